"""`manage.py generate_scale_data`: a synthetic dataset of any size with the demo's proportions, for benchmarks
at national scale (issue 13); casework/scale/ makes and loads it.

Per referral: about 0.9 patients, 1.6 onward referrals, 2 star readings (each with its visit) and 7 hospital
episodes (about 8 per patient, in the year before and the year after their first referral); a practice per 170
referrals, an adviser per 400, a provider per 100. Each table is generated in chunks with numpy and loaded with
PostgreSQL's COPY, so that 1.3 million referrals load in minutes; the same --seed and --today give the same rows.
"""

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from casework.scale.comparison import generate_comparison
from casework.scale.generate import generate
from referrals.models import Referral
from sps.lib.dates import today as local_today
from sps.models import Practice


class Command(BaseCommand):
    help = ("Generate a synthetic dataset of N referrals with the demo's proportions (practices, logins, patients, "
            "visits and star readings, providers, services, grants, onward referrals, hospital episodes, a comparison "
            "extract) and load "
            "it with PostgreSQL COPY, for benchmarks. PostgreSQL only, into a database without practices. It "
            "writes no history (the django-simple-history tables stay empty) and no access log. Every login's "
            "password is DEMO_PASSWORD.")

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, required=True, help="How many referrals (e.g. 1300000).")
        parser.add_argument("--seed", type=int, default=2013, help="The same seed gives the same data.")
        parser.add_argument("--years", type=int, default=3, help="Years of referrals up to today (at least 2).")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="The date the data ends on (YYYY-MM-DD); default today.")
        parser.add_argument("--comparison", type=int, default=None,
                            help="How many people in the comparison extract, never referred (default: 0.77 per "
                                 "referral, a million at national size, with about 8 episodes each).")
        parser.add_argument("--force", action="store_true",
                            help="Load it even though DEBUG is off (a throwaway database only).")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_scale_data needs PostgreSQL (it loads with COPY): it does not run on "
                               f"{connection.vendor}. Set DATABASE_URL to a PostgreSQL database.")
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off, so this may be a production database: the generated data has "
                               "logins sharing one published password. Use --force for a throwaway database.")
        if options["referrals"] < 100:
            raise CommandError("--referrals must be at least 100.")
        if options["years"] < 2:
            raise CommandError("--years must be at least 2.")
        if Practice.objects.exists() or Referral.objects.exists():
            raise CommandError("The database already has practices or referrals. generate_scale_data loads into "
                               "an empty database.")
        began = time.monotonic()
        totals = generate(referrals=options["referrals"], seed=options["seed"], years=options["years"],
                          today=options["today"] or local_today(), log=self.stdout.write)
        people = round(options["referrals"] * 0.77) if options["comparison"] is None else options["comparison"]
        if people:
            totals.add("comparison people", people)
            totals.add("comparison episodes", generate_comparison(people=people, seed=options["seed"],
                                                                  log=self.stdout.write))
        self.stdout.write(self.style.SUCCESS(
            "Loaded " + ", ".join(f"{n:,} {name}" for name, n in totals.rows.items())
            + f" in {time.monotonic() - began:.0f} s."))
