"""Reads that need several apps: the adviser's caseload (referrals with their reviews), and where a closed
referral goes back to when it is reopened."""

import datetime as dt
from dataclasses import dataclass

from outcomes.models import ReadingKind
from outcomes.selectors import DUE_SOON_DAYS, review_due, with_review_figures
from referrals.models import OPEN_STATUSES, Referral, Status
from referrals.selectors import referrals_for
from sps.models import User


@dataclass(frozen=True)
class Caseload:
    waiting: list[Referral]  # new referrals from the adviser's practices, waiting for a decision
    mine: list[Referral]  # open referrals assigned to the adviser, each with `review` (or None)

    @property
    def figures(self) -> list[tuple[str, int]]:
        reviews = [r.review for r in self.mine if r.review]
        return [("Waiting for a decision", len(self.waiting)), ("On your caseload", len(self.mine)),
                ("First visit to book", sum(1 for r in self.mine if r.baseline_date is None)),
                ("Reviews overdue", sum(1 for r in reviews if r.overdue)),
                (f"Reviews due in the next {DUE_SOON_DAYS // 7} weeks",
                 sum(1 for r in reviews if r.due_soon))]


def caseload_for(adviser: User) -> Caseload:
    """An adviser's caseload: new referrals waiting for a decision, and the open ones assigned to them, each
    with when its next review is due (`review`): those without a first visit first, then soonest (most
    overdue) review first."""
    visible = referrals_for(adviser)
    mine = list(with_review_figures(
        visible.filter(adviser=adviser, status__in=OPEN_STATUSES).exclude(status=Status.RECEIVED)
    ).order_by("referral_date", "pk"))
    for referral in mine:
        referral.review = review_due(referral.baseline_date, referral.reviews_done)
    far = dt.date.max
    mine.sort(key=lambda r: (r.baseline_date is not None, r.review.due if r.review else far))
    waiting = list(visible.filter(status=Status.RECEIVED).order_by("-urgency", "referral_date", "pk"))
    return Caseload(waiting=waiting, mine=mine)


def status_to_reopen_as(referral: Referral) -> str:
    """Where a closed referral was in the lifecycle (domain.md): active once referred on, assessed once it
    has a baseline, accepted before either."""
    if referral.onward_referrals.exists():
        return Status.ACTIVE
    if referral.star_readings.filter(kind=ReadingKind.BASELINE).exists():
        return Status.ASSESSED
    return Status.ACCEPTED
