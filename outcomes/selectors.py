"""Reads of assessments and star readings; the access rule; when reviews are due."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet

from outcomes.models import Assessment, ReadingKind, StarReading
from referrals.models import Referral
from referrals.selectors import referrals_for
from sps.lib.dates import today
from sps.models import Role, User

# Reviews fall due this many months after the baseline: the first at 3, the second at 6 (issue 4).
REVIEW_MONTHS = (3, 6)


def may_see_assessments(user: User) -> bool:
    """Assessments and readings: the adviser (for referrals they may see) and the manager; GP staff see only a
    summary of progress; provider staff and the commissioner nothing."""
    return user.role in (Role.ADVISER, Role.MANAGER)


def assessments_for(user: User) -> QuerySet[Assessment]:
    assessments = Assessment.objects.select_related("adviser", "reading")
    if not may_see_assessments(user):
        return assessments.none()
    return assessments.filter(referral__in=referrals_for(user))


def readings_of(referral: Referral) -> list[StarReading]:
    return list(referral.star_readings.order_by("reading_date", "pk"))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last_day = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
                31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last_day))


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


def review_due(baseline_date: dt.date | None, reviews_done: int) -> ReviewDue | None:
    """The next review: 3 months after the baseline, then 6; none before a baseline or after both."""
    if baseline_date is None or reviews_done >= len(REVIEW_MONTHS):
        return None
    return ReviewDue(add_months(baseline_date, REVIEW_MONTHS[reviews_done]), reviews_done + 1)


def with_review_figures(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate each referral with its baseline date and how many reviews it has had, in the same query."""
    return referrals.annotate(
        baseline_date=Min("star_readings__reading_date", filter=Q(star_readings__kind=ReadingKind.BASELINE)),
        reviews_done=Count("star_readings", filter=Q(star_readings__kind=ReadingKind.REVIEW)),
    )
