"""The commissioner's views of a financial year, disclosed together and kept for DISCLOSED_MAX_AGE seconds
(reports/commissioner.py, issue 13)."""

import datetime as dt

from django.test import override_settings

from providers.models import Provider, Service
from reports import evaluation
from reports.disclosure import SUPPRESSED
from reports.models import DisclosedView, HospitalEpisode
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
