"""The manager's Overview is kept (issue 13): a task works it out, the landing page reads what was kept and has it
worked out again when it is older than OVERVIEW_MAX_AGE or for another day, at once with the immediate backend,
else by the worker while the page shows the kept figures and their age."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from referrals.tests.factories import ReferralFactory
from reports.models import OverviewFigures
from reports.overview import refresh_overview
from reports.presentation import year_to_date

URL = reverse("reports:overview")


def _referrals_in(page: str) -> str:
    row = page[page.index("<td>Referrals in</td>"):]
    return row[:row.index("</tr>")]


@pytest.fixture
def queued_only(settings):
    """A backend that keeps the tasks and runs none, as when a worker has yet to get to them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_the_kept_figures_are_shown_without_counting_again_until_they_are_too_old(
        client_for, manager, settings, django_assert_num_queries):
    settings.OVERVIEW_MAX_AGE = 600
    ReferralFactory(referral_date=year_to_date()[1])
    client = client_for(manager)
    first = client.get(URL).text
    assert '<td class="text-end fw-bold">1</td>' in _referrals_in(first)
    ReferralFactory(referral_date=year_to_date()[1])
    # session, user, second factor, the kept row, the session saved (in a savepoint)
    with django_assert_num_queries(7):
        kept = client.get(URL).text
    assert '<td class="text-end fw-bold">1</td>' in _referrals_in(kept)  # as worked out, not counted again
    assert "Worked out at" in kept
    OverviewFigures.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=601))
    assert '<td class="text-end fw-bold">2</td>' in _referrals_in(client.get(URL).text)


def test_figures_kept_from_another_day_are_worked_out_again(client_for, manager, settings):
    settings.OVERVIEW_MAX_AGE = 600
    client = client_for(manager)
    client.get(URL)
    kept = OverviewFigures.objects.get()
    kept.figures["this"]["to"] = (year_to_date()[1] - dt.timedelta(days=1)).isoformat()
    kept.save()
    ReferralFactory(referral_date=year_to_date()[1])
    assert '<td class="text-end fw-bold">1</td>' in _referrals_in(client.get(URL).text)


def test_with_a_worker_the_page_waits_for_it_and_queues_one_refresh_however_many_visit(
        client_for, manager, settings, queued_only):
    settings.OVERVIEW_MAX_AGE = 0
    client = client_for(manager)
    page = client.get(URL).text
    assert "being worked out for the first time" in page and "<td>Referrals in</td>" not in page
    client.get(URL)
    assert len(default_task_backend.results) == 1  # the second visit finds the refresh claimed
    ReferralFactory(referral_date=year_to_date()[1])
    refresh_overview.call()  # what the worker does
    page = client.get(URL).text
    assert '<td class="text-end fw-bold">1</td>' in _referrals_in(page)
    assert "being brought up to date now" in page  # stale at once (age 0): queued again, shown meanwhile
    assert len(default_task_backend.results) == 2


def test_a_refresh_claimed_long_ago_and_never_done_is_queued_again(client_for, manager, settings, queued_only):
    settings.OVERVIEW_MAX_AGE = 0
    client = client_for(manager)
    client.get(URL)
    OverviewFigures.objects.update(refresh_claimed_at=timezone.now() - dt.timedelta(minutes=16))
    client.get(URL)
    assert len(default_task_backend.results) == 2
