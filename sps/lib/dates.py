"""Dates in the house style and the age rule of the evaluation (completed years)."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Today in Europe/London (the server clock may be UTC)."""
    return timezone.localdate()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier; 29 February becomes the 28th in a year without one."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Age in completed years on a date (evaluation.md: ages are in completed years on the referral date)."""
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
