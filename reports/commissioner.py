"""The commissioner's reports, disclosed together and kept (issue 13). A view the commissioner opens (a report for a
period of a financial year, all practices or one) is disclosed together with every other view of that year they
could open (reports/disclosure.py). At national size that is 38,240 views, half a minute of work, and the answer
is the same for each of them: so all of them are kept (DisclosedView) for DISCLOSED_MAX_AGE seconds, and any
view of the year is then read, not worked out. The page says when the figures were worked out."""

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reports.disclosure import SUPPRESSED, disclose_together
from reports.evaluation import BY_PRACTICE, REPORTS, without_p_values
from reports.models import DisclosedView
from sps.periods import resolve_period

FORGOTTEN_AFTER = dt.timedelta(days=1)  # views of a report nobody has asked for since are deleted


def disclosed_view(name: str, arguments: dict, *, period: str, practices: list[str]) -> tuple[dict, dt.datetime]:
    """The report `name` for `period` (a financial year `fyYYYY` or one of its quarters) and `arguments`' practice,
    as the commissioner may see it, with when it was worked out: kept if it was worked out within the last
    DISCLOSED_MAX_AGE seconds, else worked out now with every other view of the year and kept."""
    year, practice = period.partition("q")[0], arguments["practice"]
    options = {key: value for key, value in arguments.items() if key not in ("start", "end", "practice")}
    key = f"{name} {year} {json.dumps(options, sort_keys=True, default=str)}"
    fresh = timezone.now() - dt.timedelta(seconds=settings.DISCLOSED_MAX_AGE)
    # From the primary, where they are written: the replica may not have them yet.
    kept = DisclosedView.objects.using("default").filter(key=key, period=period, practice=practice or "",
                                                         computed_at__gt=fresh).first()
    if kept is None:
        views = {view: json.dumps(figures) for view, figures in
                 disclose_year(name, options, year=year, practices=practices).items()}
        kept = DisclosedView(figures=views[period, practice], computed_at=_keep(key, views))
    figures = json.loads(kept.figures)
    if practice and name == "episodes":  # p values are worked out for the view opened only (see disclose_year)
        _add_p_values(figures, REPORTS[name](**arguments))
    return figures, kept.computed_at


def disclose_year(name: str, options: dict, *, year: str, practices: list[str]) -> dict[tuple, dict]:
    """Every view of the financial year `year`, disclosed together. Each period costs
    the report twice: for all practices (with p values), and for every practice at once (without them: a test per
    practice would cost more than all the rest)."""
    results = {}
    for key in [year] + [f"{year}q{q}" for q in range(1, 5)]:
        start, end = resolve_period(key)
        arguments = {**options, "start": start, "end": end}
        # Only the hospital episodes show p values.
        results[key, None] = REPORTS[name](**arguments) if name == "episodes" else without_p_values(name, **arguments)
        results.update(((key, code), result) for code, result in BY_PRACTICE[name](**arguments, practices=practices)
                       .items())
    return disclose_together(name, results, year=year)


def _keep(key: str, views: dict[tuple, str]) -> dt.datetime:
    now = timezone.now()
    with transaction.atomic():
        DisclosedView.objects.filter(key=key).delete()
        DisclosedView.objects.filter(computed_at__lt=now - FORGOTTEN_AFTER).delete()
        DisclosedView.objects.bulk_create(
            (DisclosedView(key=key, period=period, practice=practice or "", figures=figures, computed_at=now)
             for (period, practice), figures in views.items()), batch_size=2000, ignore_conflicts=True)
    return now


def _add_p_values(figures: dict, live: dict) -> None:
    """Each shown measure's p value from the same report worked out now: disclosure hides a whole row or none of
    it, and a p value is shown wherever its row is."""
    for subgroup, group in figures["subgroups"].items():
        for measure, shown in group["measures"].items():
            if shown["p_value"] != SUPPRESSED:
                shown["p_value"] = live["subgroups"][subgroup]["measures"][measure]["p_value"]
