"""Benchmark: each report of the evaluation over a financial year's cohort, against its floor, the fastest SQL written
by hand for the same figures (reports/floors.py), on the data in the database (made by `generate_scale_data`):
the median of several runs after a warm-up, the queries the report makes, and the ratio. It also checks that each
report and its floor agree. `make bench` runs it (docs/benchmarks.md).

    .ci/with-postgres sh -c '.venv/bin/python manage.py migrate -v0 && \\
        .venv/bin/python manage.py generate_scale_data --referrals 100000 --force && \\
        .venv/bin/python manage.py bench_evaluation'
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reports import catalogue, evaluation, floors
from reports.timing import timed
from sps.lib.dates import today
from sps.periods import financial_year, financial_year_of


class Command(BaseCommand):
    help = "Time each report for a financial year's cohort against the fastest hand-written SQL for its figures."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="Runs after the warm-up (the median is shown).")
        parser.add_argument("--year", type=int, help="The financial year, e.g. 2025 for 2025/26; default the last "
                                                     "whole one.")
        parser.add_argument("--markdown", help="Also write the table, as Markdown, to this file.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The floors are PostgreSQL's SQL: run this on PostgreSQL.")
        year = options["year"] or financial_year_of(today()) - 1
        start, end = financial_year(year)
        data_until = evaluation.latest_data_until()
        if data_until is None:
            raise CommandError("No hospital extract in the database: run generate_scale_data first.")
        cohort = evaluation.cohort(start, end).count()
        self.stdout.write(f"Financial year {year}/{(year + 1) % 100:02d}: a cohort of {cohort:,} people, "
                          f"hospital data until {data_until:%d/%m/%Y}; median of {options['runs']} runs after one "
                          f"warm-up.")
        lines = ["| report | time | queries | floor | ratio | same figures |", "| --- | --- | --- | --- | --- | --- |"]
        for name in floors.FLOORS:
            report = catalogue.REPORTS[name]
            result, report_time, queries = timed(report, {"start": start, "end": end}, options["runs"])
            low, floor_time, _ = timed(floors.floor, {"name": name, "start": start, "end": end,
                                                      "data_until": data_until}, options["runs"])
            shared = floors.shared_figures(name, result)
            same = "yes" if shared == {key: low[key] for key in shared} else "NO"
            lines.append(f"| {name} | {report_time:.2f} s | {queries} | {floor_time:.2f} s | "
                         f"{report_time / floor_time:.2f} | {same} |")
        self.stdout.write("\n".join(lines))
        if options["markdown"]:
            with open(options["markdown"], "w") as out:
                out.write("\n".join(lines) + "\n")

