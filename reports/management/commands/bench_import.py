"""Benchmark: import a hospital-episode extract of N rows and report rows a second and peak memory.

    .ci/with-postgres sh -c '.venv/bin/python manage.py migrate -v0 && .venv/bin/python manage.py bench_import'
"""

import csv
import datetime as dt
import os
import random
import resource
import tempfile
import time

from django.core.management.base import BaseCommand
from django.db import connection

from referrals.models import Patient
from reports.imports.run import run_import
from sps.lib.nhs_number import with_check_digit
from sps.models import Practice


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Time the episodes import on a generated file (memory and rows a second)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--patients", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        numbers = self._patients(options["patients"])
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as out:
            path = out.name
            writer = csv.writer(out)
            writer.writerow(["nhs_number", "episode_type", "start_date", "end_date", "episode_ref"])
            start = dt.date(2022, 1, 1)
            kinds = ["ae_attendance", "nel_admission", "nel_fce", "outpatient"]
            for n in range(options["rows"]):
                day = start + dt.timedelta(days=rng.randrange(1400))
                kind = rng.choice(kinds)
                end = (day + dt.timedelta(days=rng.randrange(1, 20))).isoformat() if kind == "nel_admission" else ""
                # about one row in twenty is for someone the service never saw: ignored
                nhs = rng.choice(numbers) if n % 20 else with_check_digit(f"{998000000 + n % 50000}") or numbers[0]
                writer.writerow([nhs, kind, day.isoformat(), end, f"E{n}"])
        size_mb = os.path.getsize(path) / 1e6
        self.stdout.write(f"{connection.vendor}; {options['rows']:,} rows ({size_mb:.0f} MB) for "
                          f"{len(numbers):,} patients; peak memory before the import {_peak_rss_mb():.0f} MB")
        try:
            for attempt in ("first import", "same file again"):
                began = time.perf_counter()
                with open(path, "rb") as stream:
                    result = run_import(kind="episodes", stream=stream, file_name="bench.csv", user=None,
                                        covered_until=dt.date(2026, 1, 1))
                seconds = time.perf_counter() - began
                self.stdout.write(f"{attempt}: {seconds:.1f} s, {options['rows'] / seconds:,.0f} rows/s; "
                                  f"{result.summary()}; peak memory {_peak_rss_mb():.0f} MB")
        finally:
            os.unlink(path)

    def _patients(self, count: int) -> list[str]:
        existing = list(Patient.objects.values_list("nhs_number", flat=True)[:count])
        if len(existing) >= count:
            return existing
        practice, _ = Practice.objects.get_or_create(ods_code="Y99999", defaults={"name": "Benchmark practice",
                                                                                  "postcode": "S60 2HX"})
        taken = set(existing)
        new = []
        base = 900_000_000
        while len(existing) + len(new) < count:
            base += 1
            number = with_check_digit(str(base))
            if number and number not in taken:
                new.append(Patient(nhs_number=number, given_name="Bench", family_name=str(base), practice=practice,
                                   date_of_birth=dt.date(1940, 1, 1), postcode="S60 2HX"))
        Patient.objects.bulk_create(new, batch_size=5000)
        return existing + [p.nhs_number for p in new]
