"""Progress on the star, as evaluation.md section 2 defines it. One place: the referral page, the GP's summary,
the caseload and (later) the wellbeing report all use these definitions.

- The **baseline** of a referral is its earliest `baseline` reading.
- The **follow-up** is its latest `review` or `discharge` reading dated after the baseline; on the same date a
  discharge reading counts over a review.
- An area **improved** when its follow-up score is higher than its baseline score.
- A **low** baseline score is 2 or less.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from outcomes.models import ReadingKind, StarReading
from outcomes.star import AREA_KEYS, LOW

# On the same date a discharge reading counts over a review.
_FOLLOW_UP_RANK = {ReadingKind.REVIEW: 0, ReadingKind.DISCHARGE: 1}


def baseline_of(readings: Iterable[StarReading]) -> StarReading | None:
    """The earliest baseline reading (the first created, on the same date)."""
    baselines = [r for r in readings if r.kind == ReadingKind.BASELINE]
    return min(baselines, key=lambda r: (r.reading_date, r.pk or 0), default=None)


def follow_up_of(readings: Iterable[StarReading], baseline: StarReading | None) -> StarReading | None:
    """The latest review or discharge reading dated after the baseline; a discharge wins a tie of dates."""
    if baseline is None:
        return None
    later = [r for r in readings if r.kind in _FOLLOW_UP_RANK and r.reading_date > baseline.reading_date]
    return max(later, key=lambda r: (r.reading_date, _FOLLOW_UP_RANK[r.kind], r.pk or 0), default=None)


@dataclass(frozen=True)
class Progress:
    baseline: StarReading
    follow_up: StarReading

    @property
    def change(self) -> dict[str, int]:
        """Follow-up minus baseline, per area."""
        return {key: getattr(self.follow_up, key) - getattr(self.baseline, key) for key in AREA_KEYS}

    @property
    def improved(self) -> list[str]:
        return [key for key, delta in self.change.items() if delta > 0]

    @property
    def low_at_baseline(self) -> list[str]:
        return [key for key in AREA_KEYS if getattr(self.baseline, key) <= LOW]

    @property
    def low_improved(self) -> list[str]:
        return [key for key in self.low_at_baseline if key in self.improved]


def progress_of(readings: Iterable[StarReading]) -> Progress | None:
    """The referral's progress, or None without both a baseline and a later follow-up."""
    readings = list(readings)
    baseline = baseline_of(readings)
    follow_up = follow_up_of(readings, baseline)
    return Progress(baseline, follow_up) if follow_up else None
