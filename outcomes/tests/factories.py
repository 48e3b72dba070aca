import datetime as dt

from outcomes.models import StarReading
from outcomes.star import AREA_KEYS


def reading(referral, kind: str, on: dt.date, default: int = 3, **scores) -> StarReading:
    """A star reading with every area at `default` unless given."""
    return StarReading.objects.create(referral=referral, kind=kind, reading_date=on,
                                      **{key: scores.get(key, default) for key in AREA_KEYS})


def visit_post(*, on: dt.date, reading_kind: str = "baseline", score: int | str = 3, **overrides) -> dict:
    """The home-visit form as a browser would post it."""
    data = {"date": on.isoformat(), "kind": "home_visit", "reading_kind": reading_kind, "needs": ["befriending"],
            "notes": "Lives alone."}
    data.update({key: str(score) for key in AREA_KEYS})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
