import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casework.demo import seed_demo
from sps.models import Practice


class Command(BaseCommand):
    help = "Load a realistic, reproducible demo borough (practices, staff logins, three years of referrals)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if there are practices already.")
        parser.add_argument("--seed", type=int, default=2012)
        parser.add_argument("--referrals", type=int, default=3600)
        parser.add_argument("--practices", type=int, default=35)
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="The date the demo ends on (YYYY-MM-DD); default today.")
        parser.add_argument("--force", action="store_true",
                            help="Load it even though DEBUG is off (a throwaway database only).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off, so this may be a production database: the demo would create 43 "
                               "logins sharing one published password. Use --force for a throwaway database.")
        if Practice.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data: demo not loaded again.")
                self._print_logins()
                return
            raise CommandError("The database already has practices. seed_demo loads into an empty database.")
        if not 2 <= options["practices"] <= 37:
            raise CommandError("--practices must be between 2 and 37.")
        summary = seed_demo(seed=options["seed"], referrals=options["referrals"], practices=options["practices"],
                            today=options["today"])
        self.stdout.write(self.style.SUCCESS(
            f"Demo loaded: {summary.practices} practices, {summary.users} logins, "
            f"{summary.patients} patients, {summary.referrals} referrals, "
            f"{summary.star_readings} star readings, {summary.onward_referrals} onward referrals, "
            f"{summary.episodes} hospital episodes, {summary.comparison_people} comparison people."))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {settings.DEMO_PASSWORD}):")
        for username, who in [
            ("gp.c87001", "GP practice staff (gp.c87002, gp.c87003 ... for the other practices)"),
            ("adviser1", "VCS adviser (adviser1 ... adviser5)"),
            ("manager", "Service manager, also the admin at /admin/"),
            ("commissioner", "Commissioner (CCG)"),
            ("provider1", "Provider staff at Rother Valley Befriending Scheme"),
        ]:
            self.stdout.write(f"  {username:<14} {who}")
