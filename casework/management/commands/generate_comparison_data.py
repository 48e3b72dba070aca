"""`manage.py generate_comparison_data`: a synthetic comparison extract of any size (casework/scale/comparison.py)
added to a database generate_scale_data has loaded, for the impact report's benchmark (issue 15)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from casework.scale.comparison import generate_comparison
from referrals.models import Referral
from reports.evaluation import latest_data_until


class Command(BaseCommand):
    help = ("Add a synthetic comparison extract of N people never referred, with their hospital episodes from a "
            "year before the first referral to the hospital data's end, loaded with PostgreSQL COPY, for "
            "benchmarks. PostgreSQL only.")

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True, help="How many people (e.g. 1000000).")
        parser.add_argument("--seed", type=int, default=2015, help="The same seed gives the same data.")
        parser.add_argument("--force", action="store_true",
                            help="Load it even though DEBUG is off (a throwaway database only).")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_comparison_data needs PostgreSQL (it loads with COPY).")
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off, so this may be a production database: use --force for a throwaway "
                               "database.")
        if options["people"] < 1:
            raise CommandError("--people must be at least 1.")
        if not Referral.objects.exists() or latest_data_until() is None:
            raise CommandError("No referrals or hospital data yet: run generate_scale_data first.")
        began = time.monotonic()
        episodes = generate_comparison(people=options["people"], seed=options["seed"], log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Loaded {options['people']:,} comparison people and {episodes:,} "
                                             f"episodes in {time.monotonic() - began:.0f} s."))
