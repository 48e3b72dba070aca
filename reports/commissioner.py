"""The commissioner's reports, disclosed together and kept (issue 13). A view the commissioner opens (a report for a
period of a financial year, all practices or one) is disclosed together with every other view of that year they
could open (reports/disclosure.py). At national size that is 38,240 views, half a minute of work, and the answer
is the same for each of them: so all of them are kept (DisclosedView), and any view of the year is then read, not
worked out. Once the kept views are DISCLOSED_MAX_AGE seconds old, the first to open one claims a refresh for the
task worker and everyone is shown the kept views, saying when they were worked out, until it is done: no page
waits half a minute, and one refresh of a year runs at a time. (With the immediate backend, the embedded default,
the refresh runs at once, in the request.)"""

import datetime as dt
import json

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django_tasks import task

from reports.catalogue import BY_PRACTICE, REPORTS, without_p_values
from reports.disclosure import SUPPRESSED, disclose_together
from reports.forms import ReportForm, report_form_for
from reports.models import DisclosedRefresh, DisclosedView
from reports.overview import CLAIM_EXPIRES
from sps.db_router import reading_reports, reports_alias
from sps.periods import resolve_period

FORGOTTEN_AFTER = dt.timedelta(days=1)  # views of a report nobody has asked for since are deleted


def disclosed_view(name: str, arguments: dict, *, period: str, practices: list[str]) -> tuple[dict, dt.datetime, bool]:
    """The report `name` for `period` (a financial year `fyYYYY` or one of its quarters) and `arguments`' practice,
    as the commissioner may see it, with when it was worked out and whether it is being worked out again: as kept,
    with a refresh claimed and queued if it is over DISCLOSED_MAX_AGE seconds old; worked out now with every other
    view of the year if none is kept. `practices`: the ODS codes of every practice the commissioner may choose."""
    year, practice = period.partition("q")[0], arguments["practice"]
    options = {key: value for key, value in arguments.items() if key not in ("start", "end", "practice")}
    key = _key(name, options, year)
    kept, refreshing = _kept(key, period, practice), False
    if kept is None:
        views = _disclosed_json(name, options, year, practices)
        kept = DisclosedView(figures=views[period, practice], computed_at=_keep(key, views))
    elif _too_old(kept):
        if _claim(key):
            refresh_disclosed_year.enqueue(name, options, year)
            kept = _kept(key, period, practice) or kept  # refreshed already by the immediate backend
        refreshing = _too_old(kept)
    figures = json.loads(kept.figures)
    if practice and name == "episodes":  # p values are worked out for the view opened only (see disclose_year)
        _add_p_values(figures, REPORTS[name](**arguments))
    return figures, kept.computed_at, refreshing


def keep_the_opening_views(commissioner) -> str:
    """Work out and keep, for each report, the views of the year the commissioner's page opens on, as a service
    running for a while has them (bench/load.py, so that it measures the pages, not their first working out).
    Returns that year's period key."""
    codes, period = practice_codes(), report_form_for(commissioner).chosen_period()
    for name in REPORTS:
        form = report_form_for(commissioner, {"report": name, "period": period})
        disclosed_view(*form.report_arguments(), period=period, practices=codes)
    return period


def _too_old(kept: DisclosedView) -> bool:
    return kept.computed_at < timezone.now() - dt.timedelta(seconds=settings.DISCLOSED_MAX_AGE)


@task()
def refresh_disclosed_year(name: str, options: dict, year: str) -> None:
    """Work out every view of a report's year again, keep them, and free the claim. On PostgreSQL on one core
    (no parallel workers), so that the pages being served meanwhile keep the other cores."""
    key = _key(name, options, year)
    try:
        with reading_reports(), transaction.atomic(using=reports_alias()):
            if connections[reports_alias()].vendor == "postgresql":
                with connections[reports_alias()].cursor() as cursor:
                    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            views = _disclosed_json(name, options, year, practice_codes())
        _keep(key, views)
    finally:
        DisclosedRefresh.objects.filter(key=key).delete()


def _key(name: str, options: dict, year: str) -> str:
    return f"{name} {year} {json.dumps(options, sort_keys=True, default=str)}"


def _kept(key: str, period: str, practice: str | None) -> DisclosedView | None:
    # From the primary, where they are written: the replica may not have them yet.
    return DisclosedView.objects.using("default").filter(key=key, period=period, practice=practice or "").first()


def _claim(key: str) -> bool:
    """Claim the refresh of `key`'s year: True for whoever gets it, False while another's claim stands."""
    DisclosedRefresh.objects.filter(key=key, claimed_at__lt=timezone.now() - CLAIM_EXPIRES).delete()
    try:
        with transaction.atomic():
            DisclosedRefresh.objects.create(key=key, claimed_at=timezone.now())
    except IntegrityError:
        return False
    return True


def practice_codes() -> list[str]:
    """Every practice the commissioner may choose: the report form's list, by ODS code."""
    return list(ReportForm.base_fields["practice"].queryset.values_list("ods_code", flat=True))


def _disclosed_json(name: str, options: dict, year: str, practices: list[str]) -> dict[tuple, str]:
    return {view: json.dumps(figures) for view, figures in
            disclose_year(name, options, year=year, practices=practices).items()}


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
