"""The database expressions of sps/db.py, on whichever database the run uses (PostgreSQL, and SQLite in the
smoke run)."""

import datetime as dt

import pytest
from django.db.models import DateField, Value

from sps.db import DaysBetween
from sps.models import Practice
from sps.tests.factories import PracticeFactory


@pytest.mark.smoke
@pytest.mark.parametrize(("start", "end", "days"), [
    (dt.date(2026, 11, 1), dt.date(2026, 11, 23), 22),
    (dt.date(2026, 11, 23), dt.date(2026, 11, 1), -22),  # end before start
    (dt.date(2024, 2, 28), dt.date(2024, 3, 1), 2),  # a leap day between
    (dt.date(2026, 3, 28), dt.date(2026, 3, 30), 2),  # the clocks go forward: still whole days
])
def test_days_between_counts_from_start_to_end(db, start, end, days):
    PracticeFactory()
    practice = Practice.objects.annotate(
        days=DaysBetween(Value(start, output_field=DateField()), Value(end, output_field=DateField()))).get()
    assert practice.days == days
