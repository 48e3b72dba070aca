"""The commissioner's views of a financial year, disclosed together and kept, refreshed once DISCLOSED_MAX_AGE
seconds old: at once with the immediate backend, else by the worker while the kept views are shown
(reports/commissioner.py, issue 13)."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks import default_task_backend

from providers.models import Provider, Service
from reports import catalogue, evaluation
from reports.commissioner import keep_the_opening_views, refresh_disclosed_year
from reports.disclosure import SUPPRESSED
from reports.forms import report_form_for
from reports.models import DisclosedRefresh, DisclosedView, HospitalEpisode
from reports.tests.test_disclosure import URL, _engaged_with_episodes, one_person_and_a_crowd  # noqa: F401
from sps.tests.factories import PracticeFactory

D = dt.date
YEAR = {"report": "episodes", "period": "fy2024"}


def _outpatient_after(page) -> int:
    return page.context["result"]["subgroups"]["all"]["measures"]["outpatient"]["after"]


def test_any_view_of_the_year_is_kept_with_every_other(client_for, commissioner, one_person_and_a_crowd):  # noqa: F811
    page = client_for(commissioner).get(URL, YEAR)
    # The year and its four quarters, for all practices and for each of the two.
    assert DisclosedView.objects.filter(key__startswith="episodes fy2024 ").count() == 5 * 3
    assert "Worked out at" in page.text


def test_kept_views_are_shown_until_they_are_a_few_minutes_old(client_for, commissioner,
                                                                one_person_and_a_crowd):  # noqa: F811
    client = client_for(commissioner)
    before = _outpatient_after(client.get(URL, YEAR))
    HospitalEpisode.objects.filter(episode_type="outpatient").delete()
    assert _outpatient_after(client.get(URL, YEAR)) == before == 13
    with override_settings(DISCLOSED_MAX_AGE=0):
        assert _outpatient_after(client.get(URL, YEAR)) == 0


def test_other_options_are_kept_apart(client_for, commissioner, one_person_and_a_crowd):  # noqa: F811
    client = client_for(commissioner)
    client.get(URL, {**YEAR, "report": "roi"})
    client.get(URL, {**YEAR, "report": "roi", "persistence": "0.25"})
    assert DisclosedView.objects.filter(key__startswith="roi fy2024 ").values("key").distinct().count() == 2


def test_a_practices_view_has_that_practices_p_values(client_for, commissioner, db):
    service = Service.objects.create(provider=Provider.objects.create(code="P1", name="P"), code="S1", name="S",
                                     category="befriending")
    for code in ("C87001", "C87002"):
        practice = PracticeFactory(ods_code=code)
        for i in range(12):
            _engaged_with_episodes(practice, service, day=D(2024, 6, 3) + dt.timedelta(days=i), born=D(1950, 1, 1))
    client = client_for(commissioner)
    client.get(URL, YEAR)  # works out and keeps every view of the year, a practice's without p values
    page = client.get(URL, {**YEAR, "practice": "C87002"})
    live = evaluation.episodes(start=D(2024, 4, 1), end=D(2025, 3, 31), practice="C87002")["subgroups"]
    shown = {(group, measure): figures["p_value"] for group, subgroup in page.context["result"]["subgroups"].items()
             for measure, figures in subgroup["measures"].items() if figures["p_value"] != SUPPRESSED}
    assert shown == {key: live[key[0]]["measures"][key[1]]["p_value"] for key in shown}
    assert shown[("all", "outpatient")] is not None


@pytest.fixture
def queued_only(settings):
    """A backend that keeps the tasks and runs none, as when the worker has yet to get to them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _age_kept_views(seconds: int) -> None:
    DisclosedView.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_with_a_worker_old_views_are_shown_while_one_refresh_is_queued_however_many_look(
        client_for, commissioner, one_person_and_a_crowd, settings, queued_only):  # noqa: F811
    settings.DISCLOSED_MAX_AGE = 600
    client = client_for(commissioner)
    assert _outpatient_after(client.get(URL, YEAR)) == 13  # nothing kept yet: worked out in the request
    HospitalEpisode.objects.filter(episode_type="outpatient").delete()
    _age_kept_views(601)
    page = client.get(URL, YEAR)
    assert _outpatient_after(page) == 13 and "being brought up to date now" in page.text
    client.get(URL, {**YEAR, "period": "fy2024q2"})  # another view of the same year: the refresh is claimed
    assert len(default_task_backend.results) == 1
    refresh_disclosed_year.call("episodes", {"data_until": None}, "fy2024")  # what the worker does
    assert not DisclosedRefresh.objects.exists()
    page = client.get(URL, YEAR)
    assert _outpatient_after(page) == 0 and "being brought up to date now" not in page.text


def test_a_refresh_claimed_long_ago_and_never_done_is_queued_again(
        client_for, commissioner, one_person_and_a_crowd, settings, queued_only):  # noqa: F811
    settings.DISCLOSED_MAX_AGE = 600
    client = client_for(commissioner)
    client.get(URL, YEAR)
    _age_kept_views(601)
    client.get(URL, YEAR)
    DisclosedRefresh.objects.update(claimed_at=timezone.now() - dt.timedelta(minutes=16))
    client.get(URL, YEAR)
    assert len(default_task_backend.results) == 2


def test_kept_views_are_read_in_a_fixed_number_of_queries(client_for, commissioner, one_person_and_a_crowd,  # noqa: F811
                                                          django_assert_num_queries):
    client = client_for(commissioner)
    client.get(URL, YEAR)
    # session, user, second factor, the kept view, the practices for the form's list, the session saved (3)
    with django_assert_num_queries(8):
        client.get(URL, YEAR)


def test_each_reports_opening_views_can_be_kept_ahead_of_the_first_look(client_for, commissioner,
                                                                        one_person_and_a_crowd,  # noqa: F811
                                                                        django_assert_num_queries):
    keep_the_opening_views(commissioner)  # what bench/load.py does first
    assert DisclosedView.objects.values("key").distinct().count() == len(catalogue.REPORTS)
    client = client_for(commissioner)
    client.get(URL)  # the first look signs the session in fully
    period = report_form_for(commissioner).chosen_period()
    for name in catalogue.REPORTS:
        # session, user, second factor, the kept view, the practices for the form's list, the session saved (3);
        # the process report's monthly targets; the return on investment's matched return (the impact's kept view)
        with django_assert_num_queries(8 + (name == "process") + (name == "roi")):
            page = client.get(URL, {"report": name, "period": period})
        assert page.context["name"] == name and "Worked out at" in page.text
