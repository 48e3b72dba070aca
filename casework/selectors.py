"""Reads that need several apps: the adviser's caseload (referrals with their reviews), and where a closed
referral goes back to when it is reopened."""

import datetime as dt
from dataclasses import dataclass

from outcomes.models import ReadingKind
from outcomes.selectors import DUE_SOON_DAYS, review_due, with_review_figures
from referrals.models import OPEN_STATUSES, Referral, Status
from referrals.selectors import matching, referrals_for
from sps.models import User

# The caseload's tiles, each a link to the referrals it counts.
TILES = {"waiting": "Waiting for a decision", "mine": "On your caseload", "first_visit": "First visit to book",
         "overdue": "Reviews overdue", "due_soon": f"Reviews due in the next {DUE_SOON_DAYS // 7} weeks"}
_SHOWS = {"mine": lambda r: True, "first_visit": lambda r: r.baseline_date is None,
          "overdue": lambda r: bool(r.review and r.review.overdue),
          "due_soon": lambda r: bool(r.review and r.review.due_soon)}


@dataclass(frozen=True)
class Caseload:
    waiting: list[Referral]  # new referrals from the adviser's practices, waiting for a decision
    mine: list[Referral]  # open referrals assigned to the adviser, each with `review` (or None)
    matches: set[int] | None = None  # the referrals a search found, or None when not searching

    @property
    def figures(self) -> list[tuple[str, str, int]]:
        """Each tile: its filter, label and how many of the whole caseload (whatever is searched for)."""
        return [(key, label, len(self.waiting) if key == "waiting" else sum(map(_SHOWS[key], self.mine)))
                for key, label in TILES.items()]

    def waiting_found(self) -> list[Referral]:
        return self._found(self.waiting)

    def mine_found(self, show: str = "mine", status: str = "") -> list[Referral]:
        """The assigned referrals a tile stands for, in a status if one is given, that the search found."""
        return [r for r in self._found(self.mine) if _SHOWS[show](r) and (not status or r.status == status)]

    def _found(self, referrals: list[Referral]) -> list[Referral]:
        return referrals if self.matches is None else [r for r in referrals if r.pk in self.matches]


def caseload_for(adviser: User, *, q: str = "") -> Caseload:
    """An adviser's caseload: new referrals waiting for a decision, and the open ones assigned to them, each
    with when its next review is due (`review`): those without a first visit first, then soonest (most
    overdue) review first. With `q`, which of them a name or NHS number finds (one query more)."""
    visible = referrals_for(adviser)
    mine = list(with_review_figures(
        visible.filter(adviser=adviser, status__in=OPEN_STATUSES).exclude(status=Status.RECEIVED)
    ).order_by("referral_date", "pk"))
    for referral in mine:
        referral.review = review_due(referral.baseline_date, referral.reviews_done)
    far = dt.date.max
    mine.sort(key=lambda r: (r.baseline_date is not None, r.review.due if r.review else far))
    waiting = list(visible.filter(status=Status.RECEIVED).order_by("-urgency", "referral_date", "pk"))
    # Only the caseload's own referrals are searched: a name matched across everything the adviser may see
    # would read far more than the page shows.
    listed = [r.pk for r in mine] + [r.pk for r in waiting]
    matches = set(matching(visible.filter(pk__in=listed), q).values_list("pk", flat=True)) if q else None
    return Caseload(waiting=waiting, mine=mine, matches=matches)


def status_to_reopen_as(referral: Referral) -> str:
    """Where a closed referral was in the lifecycle (domain.md): active once referred on, assessed once it
    has a baseline, accepted before either."""
    if referral.onward_referrals.exists():
        return Status.ACTIVE
    if referral.star_readings.filter(kind=ReadingKind.BASELINE).exists():
        return Status.ASSESSED
    return Status.ACCEPTED
