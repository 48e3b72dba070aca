"""Reads of assessments and star readings; the access rule; when reviews are due."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet

from outcomes.models import Assessment, ReadingKind, StarReading
from outcomes.progress import baseline_of
from referrals.models import Referral
from referrals.selectors import referrals_for
from sps.lib.dates import today
from sps.models import SUPPORT_ROLES, User

# Reviews fall due this many months after the baseline: the first at 3, the second at 6 (issue 4).
REVIEW_MONTHS = (3, 6)
# A review due within this many days is flagged "due soon" on the caseload.
DUE_SOON_DAYS = 14


def may_see_assessments(user: User) -> bool:
    """Assessments and readings: the adviser (for referrals they may see) and the manager; GP staff see only a
    summary of progress; provider staff and the commissioner nothing."""
    return user.role in SUPPORT_ROLES


def assessments_for(user: User) -> QuerySet[Assessment]:
    assessments = Assessment.objects.select_related("adviser", "reading")
    if not may_see_assessments(user):
        return assessments.none()
    return assessments.filter(referral__in=referrals_for(user))


def readings_of(referral: Referral) -> list[StarReading]:
    return list(referral.star_readings.order_by("reading_date", "pk"))


def has_discharge_reading(referral: Referral) -> bool:
    return referral.star_readings.filter(kind=ReadingKind.DISCHARGE).exists()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day if it is shorter (31/08 + 6 months = 28/02)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReviewDue:
    due: dt.date
    number: int  # first or second review

    @property
    def overdue(self) -> bool:
        return self.due < today()

    @property
    def days(self) -> int:
        return (self.due - today()).days

    @property
    def due_soon(self) -> bool:
        return 0 <= self.days <= DUE_SOON_DAYS


def review_due(baseline_date: dt.date | None, reviews_done: int) -> ReviewDue | None:
    """The next review: 3 months after the baseline, then 6; none before a baseline or after both."""
    if baseline_date is None or reviews_done >= len(REVIEW_MONTHS):
        return None
    return ReviewDue(add_months(baseline_date, REVIEW_MONTHS[reviews_done]), reviews_done + 1)


def next_review(readings: list[StarReading]) -> ReviewDue | None:
    """The next review of a referral, from its readings."""
    baseline = baseline_of(readings)
    reviews_done = sum(1 for r in readings if r.kind == ReadingKind.REVIEW)
    return review_due(baseline.reading_date if baseline else None, reviews_done)


def with_review_figures(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate each referral with its baseline date and how many reviews it has had, in the same query."""
    return referrals.annotate(
        baseline_date=Min("star_readings__reading_date", filter=Q(star_readings__kind=ReadingKind.BASELINE)),
        reviews_done=Count("star_readings", filter=Q(star_readings__kind=ReadingKind.REVIEW)),
    )
