"""Benchmark: how long each evaluation page takes to render for the manager and for the commissioner (whose page
also computes every other view of the financial year, for all practices and each practice, to disclose them
together) on the data in the database (the demo: `seed_demo` first), median of several runs, and how many queries
each makes.

    .ci/with-postgres sh -c '.venv/bin/python manage.py migrate -v0 && .venv/bin/python manage.py seed_demo --force \\
        && .venv/bin/python manage.py bench_reports'
"""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from sps.models import Role, User
from sps.periods import financial_year_of

PAGES = ["process", "wellbeing", "episodes", "roi"]


class Command(BaseCommand):
    help = "Time the evaluation pages on the data in the database."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7)

    @override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False,
                       STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
                                 "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}})
    def handle(self, *args, **options):
        from sps.lib.dates import today

        year = financial_year_of(today()) - 1  # the last whole financial year
        self.stdout.write(f"{connection.vendor}; financial year {year}/{(year + 1) % 100:02d}; "
                          f"median of {options['runs']} runs")
        for role in (Role.MANAGER, Role.COMMISSIONER):
            client = _client_for(role)
            for name in PAGES:
                url = f"/reports/evaluation/?report={name}&period=fy{year}"
                times = []
                for _ in range(options["runs"]):
                    with CaptureQueriesContext(connection) as queries:
                        began = time.perf_counter()
                        response = client.get(url)
                        times.append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200, response.status_code
                self.stdout.write(f"{role:12} {name:10} {statistics.median(times):6.0f} ms  ({len(queries)} queries)")


def _client_for(role: str) -> Client:
    """A client signed in with this role, second step given (the manager's pages need it): a device of the
    bench's own."""
    user = User.objects.filter(role=role, is_active=True).first()
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench_reports", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
