"""Reporting periods: financial years (April to March), their quarters, or custom dates."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from sps.lib.dates import today

# Custom periods stay within dates the service can have data for, and short enough to report on at once.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
MAX_YEARS = 20


def financial_year_of(day: dt.date) -> int:
    """The year a financial year starts in: 23/11/2026 is in 2026/27."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year(start_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)


def quarter(start_year: int, q: int) -> tuple[dt.date, dt.date]:
    first_month = 4 + 3 * (q - 1)
    year = start_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    start = dt.date(year, month, 1)
    next_start = dt.date(year + (month + 2) // 12, (month + 2) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def _fy_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def period_choices(*, on: dt.date | None = None, years: int = 4) -> list[tuple[str, str]]:
    """The current and previous financial years, each followed by its quarters (newest first)."""
    current = financial_year_of(on or today())
    choices = []
    for year in range(current, current - years, -1):
        choices.append((f"fy{year}", f"Financial year {_fy_label(year)}"))
        for q in range(1, 5):
            start, end = quarter(year, q)
            choices.append((f"fy{year}q{q}", f"  Q{q} {_fy_label(year)} ({start:%b}-{end:%b %Y})"))
    choices.append(("custom", "Custom dates"))
    return choices


def resolve_period(key: str) -> tuple[dt.date, dt.date] | None:
    if not key.startswith("fy"):
        return None
    year, _, q = key[2:].partition("q")
    return quarter(int(year), int(q)) if q else financial_year(int(year))


class PeriodForm(forms.Form):
    """The period picker: a financial year, a quarter, or custom dates (inclusive)."""

    period = forms.ChoiceField(choices=[])
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"},
                                                                               format="%Y-%m-%d"))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"},
                                                                           format="%Y-%m-%d"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["period"].choices = period_choices()
        self.fields["period"].initial = f"fy{financial_year_of(today())}"

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("period")
        if key == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise ValidationError("Give both dates of a custom period.")
            if end < start:
                raise ValidationError("The period ends before it starts.")
            if start < EARLIEST or end > LATEST:
                raise ValidationError(f"Give dates between {EARLIEST:%d/%m/%Y} and {LATEST:%d/%m/%Y}.")
            if (end - start).days > MAX_YEARS * 366:
                raise ValidationError(f"A period can be at most {MAX_YEARS} years long.")
        elif key:
            cleaned["start"], cleaned["end"] = resolve_period(key)
        return cleaned

    def dates(self) -> tuple[dt.date, dt.date]:
        """The chosen period, or this financial year when nothing (valid) was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return financial_year(financial_year_of(today()))
