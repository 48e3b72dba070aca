"""Benchmark: the impact report (evaluation.md section 5) over a financial year's cohort, on the data in the
database (made by `generate_scale_data`, which adds a comparison extract, or `generate_comparison_data`): how many
cases and comparison people, the median time of several runs after a warm-up, and the peak memory of this process,
which holds only the matched pairs, whatever the extract's size (issue 15; docs/benchmarks.md).

    .ci/with-postgres sh -c '.venv/bin/python manage.py migrate -v0 && \\
        .venv/bin/python manage.py generate_scale_data --referrals 10000 --comparison 100000 --force && \\
        .venv/bin/python manage.py bench_impact'
"""

import resource

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reports.evaluation import latest_data_until
from reports.impact import impact
from reports.models import ComparisonEpisode, ComparisonPerson, ImportKind
from reports.timing import timed
from sps.lib.dates import today
from sps.periods import financial_year, financial_year_of


class Command(BaseCommand):
    help = "Time the impact report (the matching against the comparison extract) for a financial year's cohort."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="Runs after the warm-up (the median is shown).")
        parser.add_argument("--year", type=int, help="The financial year, e.g. 2024 for 2024/25; default the last "
                                                     "one whose cases have a year of hospital data after referral.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Benchmarks are measured on PostgreSQL.")
        if latest_data_until(ImportKind.COMPARISON_EPISODES) is None:
            raise CommandError("No comparison extract in the database: run generate_comparison_data first.")
        year = options["year"] or financial_year_of(today()) - 2
        start, end = financial_year(year)
        result, median, queries = timed(impact, {"start": start, "end": end}, options["runs"])
        everyone = result["subgroups"]["all"]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"Financial year {year}/{(year + 1) % 100:02d}: {everyone['cases'] + everyone['unmatched']:,} cases "
            f"({everyone['cases']:,} matched to {everyone['controls']:,} comparison people), "
            f"{ComparisonPerson.objects.count():,} comparison people with {ComparisonEpisode.objects.count():,} "
            f"episodes: median {median:.1f} s of {options['runs']} runs after a warm-up ({queries} queries); "
            f"peak memory of this process {peak:.0f} MB.")
