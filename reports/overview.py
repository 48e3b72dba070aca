"""The manager's Overview, kept (issue 13): counting the whole programme for this year so far and the same months
last year takes seconds at national size, and the Overview is the manager's landing page. So a task works the
figures out and keeps them (OverviewFigures), and the page reads what was kept, refreshing it when it is for
another day or older than OVERVIEW_MAX_AGE seconds: at once with the immediate backend (the embedded default, and
the tests), else by the task worker while the page shows the kept figures and says how old they are."""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from reports.models import OverviewFigures
from reports.presentation import glance, year_to_date
from sps.db_router import reading_reports

KEPT = 1  # the one row
# A refresh claimed this long ago and never done (a worker died) is redone; the commissioner's views' claims too.
CLAIM_EXPIRES = dt.timedelta(minutes=15)


def current_overview() -> OverviewFigures | None:
    """The kept figures, once a refresh has been claimed and queued if they are stale; None while none were ever
    worked out (the worker has not got to them yet)."""
    kept = OverviewFigures.objects.filter(pk=KEPT).first()
    if kept is None or _stale(kept):
        now = timezone.now()
        if kept is None:
            OverviewFigures.objects.get_or_create(pk=KEPT)
        free = Q(refresh_claimed_at__isnull=True) | Q(refresh_claimed_at__lt=now - CLAIM_EXPIRES)
        if OverviewFigures.objects.filter(free, pk=KEPT).update(refresh_claimed_at=now):
            refresh_overview.enqueue()
        kept = OverviewFigures.objects.get(pk=KEPT)
    return kept if kept.computed_at else None


def _stale(kept: OverviewFigures) -> bool:
    if kept.computed_at is None:
        return True
    too_old = timezone.now() - kept.computed_at > dt.timedelta(seconds=settings.OVERVIEW_MAX_AGE)
    return too_old or kept.figures["this"]["to"] != year_to_date()[1].isoformat()


@task()
def refresh_overview() -> None:
    """Work the Overview out again (from the reports' replica if there is one) and keep it."""
    this_start, this_end, last_start, last_end = year_to_date()
    with reading_reports():
        figures = {"this": {"from": this_start.isoformat(), "to": this_end.isoformat(),
                            "figures": glance(this_start, this_end)},
                   "last": {"from": last_start.isoformat(), "to": last_end.isoformat(),
                            "figures": glance(last_start, last_end)}}
    OverviewFigures.objects.update_or_create(pk=KEPT, defaults={
        "figures": figures, "computed_at": timezone.now(), "refresh_claimed_at": None})
