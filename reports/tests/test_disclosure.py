"""What the commissioner sees (evaluation.md, "Commissioner view: small numbers"): `disclose` on the plain report
data, at the 7/8 edge and with complementary suppression; the commissioner's period picker (whole financial years
and quarters, never custom dates); and the pages and CSVs, which show only what `disclose` let through."""

import copy
import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from outcomes.star import AREA_KEYS
from outcomes.tests.factories import reading
from providers.models import OnwardReferral, Provider, Service
from referrals.tests.factories import PatientFactory, ReferralFactory
from reports.disclosure import SUPPRESSED, _Joint, disclose, disclose_together, hidden_parts
from reports.evaluation import MEASURES
from reports.forms import CommissionerReportForm
from reports.models import ComparisonEpisode, ComparisonPerson, HospitalEpisode, ImportBatch
from reports.tests.helpers import MATCHING, MATCHING_NO_CASES
from sps.categories import Category
from sps.tests.factories import PracticeFactory

D = dt.date
URL = reverse("reports:evaluation")
S = SUPPRESSED


def _leaves(figures) -> list:
    if isinstance(figures, dict):
        return [leaf for value in figures.values() for leaf in _leaves(value)]
    if isinstance(figures, list):
        return [leaf for value in figures for leaf in _leaves(value)]
    return [figures]


# The rule on a total and its parts ------------------------------------------------------------------------------

def test_a_part_of_seven_is_hidden_and_a_part_of_eight_is_shown():
    assert hidden_parts(100, [7, 40, 53]) == [True, True, False]  # and 40, else 100 - 93 gives the 7 away
    assert hidden_parts(101, [8, 40, 53]) == [False, False, False]
    assert hidden_parts(61, [1, 20, 40]) == [True, True, False]


def test_one_hidden_part_takes_the_next_smallest_with_it():
    assert hidden_parts(55, [12, 3, 0, 40]) == [True, True, False, False]  # a part of nobody stays
    assert hidden_parts(60, [12, 3, 5, 40]) == [False, True, True, False]  # 3 + 5: nobody can be worked out


def test_hidden_parts_that_add_up_to_one_to_seven_take_another_with_them():
    # Without the 40, 92 - 90 = 2, and each hidden part is at least 1: both would be 1.
    assert hidden_parts(92, [1, 1, 40, 50]) == [True, True, True, False]


def test_when_the_total_is_one_to_seven_every_part_is_hidden_even_a_part_of_nobody():
    assert hidden_parts(3, [0, 3, 0]) == [True, True, True]
    assert hidden_parts(0, [0, 0]) == [False, False]


def test_parts_that_leave_a_group_out_are_hidden_when_the_group_left_out_is_small():
    # 50 referrals, 40 aged 80 and over and 8 under 60: the two would say 2 are aged 60-79.
    assert hidden_parts(50, [40, 8]) == [False, True]
    assert hidden_parts(58, [40, 8]) == [False, False]


# disclose, report by report ---------------------------------------------------------------------------------------

def _episodes_report(all: int, under_80: int, over_80: int, continuing: int = 0) -> dict:
    """Every patient with two episodes of each kind before and one after."""
    patients = {"all": all, "under_80": under_80, "80_plus": over_80, "continuing": continuing}
    return {"report": "episodes", "from": "2024-04-01", "to": "2025-03-31", "data_until": "2026-01-01",
            "subgroups": {name: {"patients": n, "measures": {
                measure: {"before": 2 * n, "after": n, "change_pct": -50.0 if n else None,
                          "p_value": 0.01 if n else None} for measure in MEASURES}} for name, n in patients.items()}}


def _roi_report(engaged: int, all: int, under_80: int, over_80: int, continuing: int = 0) -> dict:
    def group(n: int) -> dict:
        saving = 1000.0 if n else None
        return {"patients": n, "saving_year1": saving, "savings": dict.fromkeys(("1", "3", "5"), saving),
                "roi": dict.fromkeys(("1", "3", "5"), saving and saving / 500)}

    return {"report": "roi", "from": "2024-04-01", "to": "2025-03-31", "programme_cost": 500.0 * engaged,
            "engaged_patients": engaged, "cost_per_patient": 500.0 if engaged else None,
            "unit_costs": {"nel_admission": 1590.0}, "persistence": 0.5, "discount_rate": 0.035,
            "subgroups": {name: group(n) for name, n in (("all", all), ("under_80", under_80), ("80_plus", over_80),
                                                         ("continuing", continuing))}}


def test_one_patient_shows_nothing_not_even_the_whole_cohort():
    shown = disclose("episodes", _episodes_report(1, 0, 1))
    assert set(_leaves(shown["subgroups"])) == {S}
    shown = disclose("roi", _roi_report(1, 1, 0, 1))
    assert set(_leaves(shown["subgroups"])) == {S}
    assert shown["engaged_patients"] == shown["cost_per_patient"] == S
    assert shown["programme_cost"] == 500.0  # what the service cost is nobody's figure


def test_the_whole_cohort_is_shown_from_eight_people():
    assert set(_leaves(disclose("episodes", _episodes_report(7, 7, 0))["subgroups"]["all"])) == {S}
    shown = disclose("episodes", _episodes_report(8, 8, 0))
    assert shown["subgroups"]["all"]["patients"] == 8 and shown["subgroups"]["under_80"]["patients"] == 8
    assert shown["subgroups"]["all"]["measures"]["outpatient"] == {"before": 16, "after": 8, "change_pct": -50.0,
                                                                   "p_value": 0.01}


def test_all_engaged_and_one_age_group_do_not_give_the_other_away():
    shown = disclose("episodes", _episodes_report(12, 9, 3))
    assert shown["subgroups"]["all"]["patients"] == 12
    assert set(_leaves(shown["subgroups"]["under_80"])) == set(_leaves(shown["subgroups"]["80_plus"])) == {S}
    shown = disclose("roi", _roi_report(40, 12, 9, 3))
    assert shown["subgroups"]["all"]["savings"]["3"] == 1000.0
    assert set(_leaves(shown["subgroups"]["under_80"])) == set(_leaves(shown["subgroups"]["80_plus"])) == {S}


def test_continuing_is_hidden_when_all_engaged_less_continuing_is_one_to_seven():
    shown = disclose("episodes", _episodes_report(20, 10, 10, continuing=15))
    assert set(_leaves(shown["subgroups"]["continuing"])) == {S}
    assert shown["subgroups"]["under_80"]["patients"] == 10
    assert disclose("episodes", _episodes_report(20, 10, 10, continuing=12))["subgroups"]["continuing"]["patients"] \
        == 12


def test_engaged_people_hidden_when_those_without_a_year_of_hospital_data_are_one_to_seven():
    shown = disclose("roi", _roi_report(10, 8, 8, 0))
    assert shown["engaged_patients"] == shown["cost_per_patient"] == S
    # savings / return = cost per person = cost / engaged people: the returns go too, the savings stay.
    assert set(shown["subgroups"]["all"]["roi"].values()) == {S}
    assert shown["subgroups"]["all"]["savings"]["1"] == 1000.0
    shown = disclose("roi", _roi_report(16, 8, 8, 0))
    assert shown["engaged_patients"] == 16 and shown["subgroups"]["all"]["roi"]["1"] == 2.0


def _process_report(*, referrals: int, months: list[int], over_80: int, under_60: int, top: int,
                    bme: tuple[int, int], categories: dict[str, int]) -> dict:
    onward = sum(categories.values())
    return {"report": "process", "from": "2024-04-01", "to": "2024-06-30", "referrals_in": referrals,
            "referrals_out": {"commissioned": onward, "non_commissioned": 0, "non_vcs": 0, "signposts": 0,
                              "total": onward},
            "practices": 2, "top_practice": {"ods_code": "C87001", "name": "Broom Lane", "referrals": top},
            "age_80_plus_pct": 100 * over_80 / referrals, "age_under_60_pct": 100 * under_60 / referrals,
            "bme_pct": 100 * bme[0] / bme[1],
            "by_category": {category: categories.get(category, 0) for category in Category.values},
            "monthly": [{"month": f"2024-{4 + i:02d}", "referrals": n} for i, n in enumerate(months)]}


def test_few_referrals_hide_every_figure_about_them():
    shown = disclose("process", _process_report(referrals=5, months=[0, 5, 0], over_80=3, under_60=1, top=4,
                                                bme=(1, 5), categories={"befriending": 20}))
    assert [shown[key] for key in ("referrals_in", "practices", "age_80_plus_pct", "age_under_60_pct",
                                   "bme_pct")] == [S] * 5
    assert [month["referrals"] for month in shown["monthly"]] == [S] * 3
    assert shown["top_practice"] == {"ods_code": "C87001", "name": "Broom Lane", "referrals": S}
    assert shown["referrals_out"]["total"] == shown["by_category"]["befriending"] == 20


def test_referral_breakdowns_hide_small_parts_and_what_would_give_them_away():
    shown = disclose("process", _process_report(referrals=50, months=[3, 12, 35], over_80=40, under_60=8, top=46,
                                                bme=(3, 48), categories={"befriending": 12, "community_transport": 3}))
    assert shown["referrals_in"] == 50 and shown["practices"] == 2
    assert [month["referrals"] for month in shown["monthly"]] == [S, S, 35]
    assert shown["age_80_plus_pct"] == 80.0 and shown["age_under_60_pct"] == S  # else 60-79 = 2
    assert shown["top_practice"]["referrals"] == S  # else the other practices = 4
    assert shown["bme_pct"] == S
    assert shown["by_category"]["befriending"] == shown["by_category"]["community_transport"] == S
    assert shown["by_category"]["befriending"] == S and shown["referrals_out"]["total"] == 15


def test_the_bme_share_is_shown_only_when_neither_part_can_be_one_to_seven():
    def bme(black_and_minority: int, stated: int):
        return disclose("process", _process_report(referrals=120, months=[120], over_80=60, under_60=20, top=60,
                                                   bme=(black_and_minority, stated), categories={}))["bme_pct"]

    assert bme(9, 100) == 9.0
    assert bme(7, 100) == S
    assert bme(8, 96) == S  # 1 in 12: as far as the share tells, it could be 1 person in 12


def _wellbeing_report(patients: int, *, improved: int, low: int, low_improved: int, any_area: int,
                      four_plus: int) -> dict:
    area = {"progress_pct": 100 * improved / patients, "low_baseline": low,
            "low_improved_pct": 100 * low_improved / low, "mean_change": 0.5}
    return {"report": "wellbeing", "from": "2024-04-01", "to": "2025-03-31", "patients": patients,
            "progress_any_pct": 100 * any_area / patients, "progress_4plus_pct": 100 * four_plus / patients,
            "low_improved_pct": 100 * low_improved / low, "areas": {key: dict(area) for key in AREA_KEYS}}


def test_wellbeing_of_a_few_people_is_all_hidden():
    shown = disclose("wellbeing", _wellbeing_report(5, improved=3, low=2, low_improved=1, any_area=4, four_plus=1))
    assert set(_leaves({key: value for key, value in shown.items() if key not in ("report", "from", "to")})) == {S}


def test_wellbeing_hides_each_share_whose_people_or_rest_are_one_to_seven():
    shown = disclose("wellbeing", _wellbeing_report(40, improved=20, low=16, low_improved=8, any_area=30,
                                                    four_plus=10))
    assert shown["areas"]["money"] == {"progress_pct": 50.0, "low_baseline": 16, "low_improved_pct": 50.0,
                                       "mean_change": 0.5}
    assert shown["progress_any_pct"] == 75.0 and shown["low_improved_pct"] == 50.0
    few_not_improving = disclose("wellbeing", _wellbeing_report(40, improved=34, low=16, low_improved=8,
                                                                any_area=36, four_plus=10))
    assert few_not_improving["areas"]["money"]["progress_pct"] == S  # 6 did not improve
    assert few_not_improving["progress_any_pct"] == S  # 4 improved in none
    few_low_not_improving = disclose("wellbeing", _wellbeing_report(40, improved=20, low=12, low_improved=9,
                                                                    any_area=30, four_plus=10))
    assert few_low_not_improving["areas"]["money"]["low_improved_pct"] == S  # 3 low scorers did not improve
    assert few_low_not_improving["areas"]["money"]["low_baseline"] == 12
    assert few_low_not_improving["low_improved_pct"] == S  # else it would give the areas' figures back


def test_improved_in_any_area_is_hidden_when_a_few_more_than_in_one_area_and_four_or_more_when_a_few_fewer():
    shown = disclose("wellbeing", _wellbeing_report(40, improved=24, low=16, low_improved=8, any_area=30,
                                                    four_plus=10))
    assert shown["progress_any_pct"] == S  # else 30 - 24: 6 improved, but not in money
    assert shown["areas"]["money"]["progress_pct"] == 60.0 and shown["progress_4plus_pct"] == 25.0
    shown = disclose("wellbeing", _wellbeing_report(40, improved=20, low=16, low_improved=8, any_area=30,
                                                    four_plus=26))
    assert shown["progress_any_pct"] == 75.0 and shown["progress_4plus_pct"] == S  # else 4 in one to three areas


# A financial year and its quarters, all practices and each practice, disclosed together -----------------------------

PERIODS = ["fy2024", "fy2024q1", "fy2024q2", "fy2024q3", "fy2024q4"]


def disclose_year(name: str, reports: list[dict]) -> list[dict]:
    """The year's report and its quarters' (all practices only), disclosed together, in that order."""
    shown = disclose_together(name, {(period, None): report for period, report in zip(PERIODS, reports,
                                                                                       strict=True)}, year="fy2024")
    return [shown[period, None] for period in PERIODS]

def _episodes_year(quarters: list[int]) -> list[dict]:
    """The year's report and its quarters', everybody under 80."""
    return [_episodes_report(n, n, 0) for n in [sum(quarters), *quarters]]


def test_the_year_less_three_quarters_does_not_give_the_fourth_back():
    alone = [disclose("episodes", report) for report in _episodes_year([5, 10, 12, 13])]
    assert [view["subgroups"]["all"]["patients"] for view in alone] == [40, S, 10, 12, 13]  # 40 - 35 = 5
    together = disclose_year("episodes", _episodes_year([5, 10, 12, 13]))
    assert [view["subgroups"]["all"]["patients"] for view in together] == [40, S, S, 12, 13]
    assert set(_leaves(together[2]["subgroups"]["under_80"])) == {S}  # else all engaged = under 80 + 80 and over


def test_the_year_and_its_quarters_hide_nothing_more_when_nothing_small_is_hidden():
    together = disclose_year("episodes", _episodes_year([10, 10, 12, 13]))
    assert together == [disclose("episodes", report) for report in _episodes_year([10, 10, 12, 13])]


def _process_year(quarters: list[list[int]]) -> list[dict]:
    """The year's process report and its quarters', with these referrals in each quarter's months."""
    labels = [f"{2024 + (3 + i) // 12}-{(3 + i) % 12 + 1:02d}" for i in range(12)]
    reports = []
    for months, first in [([n for q in quarters for n in q], 0), *((q, 3 * i) for i, q in enumerate(quarters))]:
        report = _process_report(referrals=sum(months), months=months, over_80=0, under_60=0, top=0, bme=(0, 1),
                                 categories={})
        report["monthly"] = [{"month": labels[first + i], "referrals": n} for i, n in enumerate(months)]
        reports.append(report)
    return reports


def test_a_month_is_shown_alike_in_its_quarter_and_its_year():
    quarters = [[3, 20, 30], [40, 40, 40], [10, 40, 40], [40, 40, 40]]
    alone = [disclose("process", report) for report in _process_year(quarters)]
    assert alone[1]["monthly"][1]["referrals"] == S and alone[0]["monthly"][1]["referrals"] == 20  # May: 53 - 3 - 30
    together = disclose_year("process", _process_year(quarters))
    months = {}
    for view in together:
        for month in view["monthly"]:
            months.setdefault(month["month"], set()).add(month["referrals"])
    assert all(len(cells) == 1 for cells in months.values()), months
    assert months["2024-05"] == months["2024-04"] == {S}
    assert together[0]["referrals_in"] == 383


def _episodes_practices(practices: dict[str, list[int]]) -> dict:
    """Each practice's year and quarters (these people in each quarter, everybody under 80), and all practices'."""
    reports = {}
    for code, quarters in practices.items():
        reports.update(zip(((period, code) for period in PERIODS), _episodes_year(quarters), strict=True))
    totals = [sum(column) for column in zip(*practices.values(), strict=True)]
    reports.update(zip(((period, None) for period in PERIODS), _episodes_year(totals), strict=True))
    return reports


def _people(shown: dict, period: str = "fy2024") -> dict:
    return {practice: view["subgroups"]["all"]["patients"] for (each, practice), view in shown.items()
            if each == period}


def test_all_practices_less_the_practices_shown_does_not_give_a_hidden_practice_back():
    reports = _episodes_practices({"A": [10, 10, 10, 10], "B": [1, 1, 1, 2], "C": [20, 20, 20, 20]})
    alone = {view: disclose("episodes", report) for view, report in reports.items()}
    assert _people(alone) == {None: 125, "A": 40, "B": S, "C": 80}  # 125 - 40 - 80 = 5
    shown = disclose_together("episodes", reports, year="fy2024")
    assert _people(shown) == {None: 125, "A": S, "B": S, "C": 80}
    assert _people(shown, "fy2024q1") == {None: 31, "A": S, "B": S, "C": 20}  # else 31 - 10 - 20 = 1
    assert set(_leaves(shown["fy2024", "A"]["subgroups"])) == {S}  # the whole row, and its parts


def test_a_practice_is_hidden_where_the_practices_shown_leave_one_to_seven_of_all_practices():
    reports = _episodes_practices({"A": [10, 10, 10, 10], "B": [8, 8, 8, 8], "C": [20, 20, 20, 20]})
    shown = disclose_together("episodes", reports, year="fy2024")
    assert _people(shown) == {None: 152, "A": 40, "B": 32, "C": 80}  # nothing small: nothing more hidden
    reports[("fy2024", None)]["subgroups"]["all"]["patients"] = 155  # three more, referred by two practices each
    shown = disclose_together("episodes", reports, year="fy2024")
    assert _people(shown)[None] == 155 and S in _people(shown).values()


def test_all_practices_top_practice_is_hidden_with_that_practices_referrals():
    quarters = [[3, 20, 30], [40, 40, 40], [10, 40, 40], [40, 40, 40]]
    reports = {}
    for code, months in (("A", quarters), ("B", [[n + 1 for n in q] for q in quarters])):
        for period, report in zip(PERIODS, _process_year(months), strict=True):
            reports[period, code] = report
    for period, report in zip(PERIODS, _process_year([[2 * n + 1 for n in q] for q in quarters]), strict=True):
        report["top_practice"] = {"ods_code": "B", "name": "B", "referrals": reports[period, "B"]["referrals_in"]}
        reports[period, None] = report
    reports["fy2024q1", "B"]["referrals_in"] = 5  # as if hidden on its own rule
    shown = disclose_together("process", reports, year="fy2024")
    assert shown["fy2024q1", None]["top_practice"]["referrals"] == S


def test_disclose_leaves_the_report_it_is_given_alone():
    report = _episodes_report(12, 9, 3)
    before = copy.deepcopy(report)
    disclose("episodes", report)
    assert report == before


# The commissioner's period picker -----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def in_2025(monkeypatch):
    """The picker offers the last four financial years: keep 2024/25 among them."""
    monkeypatch.setattr("sps.periods.today", lambda: D(2025, 11, 23))


def test_commissioner_form_offers_whole_years_and_quarters_only(db):
    form = CommissionerReportForm()
    keys = [key for key, _ in form.fields["period"].choices]
    assert keys[:5] == ["fy2025", "fy2025q1", "fy2025q2", "fy2025q3", "fy2025q4"] and len(keys) == 20
    assert "custom" not in keys and "start" not in form.fields and "data_until" not in form.fields


def test_commissioner_asking_for_custom_dates_is_told_why_and_gets_none(client_for, commissioner):
    response = client_for(commissioner).get(URL, {"report": "process", "period": "custom", "start": "2024-06-01",
                                                  "end": "2024-06-01"})
    assert "Choose a financial year or a quarter: the commissioner&#x27;s reports do not take custom dates." \
        in response.text
    assert (response.context["start"], response.context["end"]) == (D(2025, 4, 1), D(2026, 3, 31))
    assert 'value="custom"' not in response.text and 'name="start"' not in response.text


def test_manager_keeps_custom_dates(client_for, manager):
    response = client_for(manager).get(URL, {"report": "process", "period": "custom", "start": "2024-06-01",
                                             "end": "2024-06-01"})
    assert not response.context["form"].errors
    assert (response.context["start"], response.context["end"]) == (D(2024, 6, 1), D(2024, 6, 1))
    assert 'value="custom"' in response.text and 'name="start"' in response.text


# The pages -------------------------------------------------------------------------------------------------------

def _engaged_with_episodes(practice, service, *, day: dt.date, born: dt.date):
    patient = PatientFactory(practice=practice, date_of_birth=born)
    referral = ReferralFactory(patient=patient, practice=practice, referral_date=day, status="active")
    reading(referral, "baseline", day + dt.timedelta(days=5), default=2)
    reading(referral, "review", day + dt.timedelta(days=90), default=4)
    OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="completed",
                                  made_date=day + dt.timedelta(days=6))
    batch = ImportBatch.objects.first() or ImportBatch.objects.create(kind="episodes", file_name="x",
                                                                      covered_until=D(2025, 10, 31))
    for kind, start in (("nel_admission", day - dt.timedelta(days=40)), ("outpatient", day + dt.timedelta(days=9))):
        HospitalEpisode.objects.create(patient=patient, episode_type=kind, start_date=start, batch=batch,
                                       end_date=start + dt.timedelta(days=6), episode_ref=f"{kind}{patient.pk}")
    return referral


@pytest.fixture
def one_person_and_a_crowd(db):
    """One engaged person at a practice of their own, twelve at another, all in 2024/25 with hospital data."""
    service = Service.objects.create(provider=Provider.objects.create(code="P1", name="P"), code="S1", name="S",
                                     category="befriending")
    alone, crowded = PracticeFactory(ods_code="C87001"), PracticeFactory(ods_code="C87002")
    one = _engaged_with_episodes(alone, service, day=D(2024, 6, 3), born=D(1940, 1, 1))
    for i in range(12):
        _engaged_with_episodes(crowded, service, day=D(2024, 6, 3) + dt.timedelta(days=i),
                               born=D(1950, 1, 1) if i < 9 else D(1930, 1, 1))
    _people_like_them()
    return one


def _people_like_them():
    """A comparison extract with 3 people like each of them (an admission the year before, of their sex and age)."""
    batch = ImportBatch.objects.create(kind="comparison_episodes", file_name="c", covered_until=D(2025, 10, 31))
    for n, (sex, born) in enumerate((sex, born) for sex in "FMXU" for born in (1930, 1940, 1950) for _ in range(3)):
        someone = ComparisonPerson.objects.create(pseudo_id=f"C{n}", year_of_birth=born, sex=sex, batch=batch)
        ComparisonEpisode.objects.create(person=someone, episode_type="nel_admission", start_date=D(2024, 5, 1),
                                         batch=batch)


FIGURE_COLUMNS = {"episodes": [1, 3, 4, 5, 6], "roi": [1, 3, 4], "areas": [1, 2, 3, 4], "impact": [1, *range(3, 12)]}
HEADCOUNT = {"episodes": "People with a year of hospital data", "roi": "Engaged people",
             "wellbeing": "People with a follow-up", "impact": "People matched"}
# The impact's kept view looked for, the report (5 queries and the matching) for the year and each of its quarters,
# for all practices and for every practice at once: the year and the quarter the cases fall in have cases to match,
# the other 6 none. Every view kept.
IMPACT = 1 + 5 * 2 * 5 + 4 * MATCHING + 6 * MATCHING_NO_CASES + 5


# Queries: session, user, second-factor device, the practice chosen, the practices (to compare with; the form's
# list reuses them), the kept view looked for, the report's own (wellbeing 1, episodes 2, roi 5) for the financial
# year and each of its quarters, for all practices and for every practice at once (disclosed together), every view
# kept (a savepoint, two deletes, one insert, its release), the hospital episodes' p values for the practice chosen
# (2), the session saved (3). `disclose_together` makes none. Any view of the year opened next reads what was kept.
# The return on investment page shows the impact's return too (IMPACT).
@pytest.mark.parametrize(("report", "table", "queries"), [("wellbeing", "areas", 4 + 1 + 1 + 5 * 2 * 1 + 5 + 3),
                                                          ("episodes", "episodes", 4 + 1 + 1 + 5 * 2 * 2 + 5 + 2 + 3),
                                                          ("roi", "roi", 4 + 1 + 1 + 5 * 2 * 5 + 5 + 3 + IMPACT),
                                                          ("impact", "impact", 4 + 1 + IMPACT + 3)])
def test_commissioner_sees_nothing_about_one_person_at_one_practice(client_for, commissioner, manager,
                                                                    one_person_and_a_crowd, django_assert_num_queries,
                                                                    report, table, queries):
    query = {"report": report, "period": "fy2024", "practice": "C87001"}
    client = client_for(commissioner)
    with django_assert_num_queries(queries):
        page = client.get(URL, query)
    with django_assert_num_queries(4 + 1 + 1 + (2 if report == "episodes" else 0) + (report == "roi") + 3):
        assert client.get(URL, {**query, "period": "fy2024q2"}).status_code == 200
    rows = page.context["tables"][0].rows
    assert {row[column] for row in rows for column in FIGURE_COLUMNS[table]} == {S}
    headline = {label: value for label, value in page.context["headline"]
                if label not in ("Hospital data until", "Programme cost", "Comparison data until")}
    assert set(" / ".join(headline.values()).split(" / ")) == {S}
    download = client.get(URL, {**query, "download": table}).content.decode("utf-8-sig")
    assert {row[column] for row in list(csv.reader(io.StringIO(download)))[1:]
            for column in FIGURE_COLUMNS[table]} == {S}
    managers = client_for(manager).get(URL, query)
    assert dict(managers.context["headline"])[HEADCOUNT[report]] == "1"


def test_commissioner_sees_all_engaged_but_not_an_age_group_worked_back_from_it(client_for, commissioner,
                                                                                one_person_and_a_crowd):
    page = client_for(commissioner).get(URL, {"report": "episodes", "period": "fy2024", "practice": ""}).text
    assert "<td>All engaged</td><td>13</td>" in page  # 9 under 80 and 3 over at one practice, 1 over at the other
    assert "<td>Under 80</td><td>*</td>" in page and "<td>80 and over</td><td>*</td>" in page


def test_commissioner_cannot_take_one_practice_from_all_practices_to_find_the_other(client_for, commissioner,
                                                                                    one_person_and_a_crowd):
    """All practices 13 less the crowded practice's 12 would be the one person at the other practice."""
    client = client_for(commissioner)
    for practice in ("C87001", "C87002"):
        page = client.get(URL, {"report": "episodes", "period": "fy2024", "practice": practice}).text
        assert "<td>All engaged</td><td>*</td>" in page, practice


def test_commissioner_hospital_data_always_run_to_the_latest_extract(client_for, commissioner, manager,
                                                                     one_person_and_a_crowd):
    """Two "data until" dates a day apart would differ by the people referred on one day."""
    query = {"report": "episodes", "period": "fy2024", "practice": "C87002", "data_until": "2025-06-10"}
    assert client_for(commissioner).get(URL, query).context["result"]["data_until"] == "2025-10-31"
    assert client_for(manager).get(URL, query).context["result"]["data_until"] == "2025-06-10"


def _every_equation_each_pass(joint) -> bool:
    """What _Joint.settle must give: every equation applied in turn, none skipped."""
    changed = False
    for total, parts, rest in joint.equations:
        changed |= joint._settle(total, parts, rest)
    return changed


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["process", "wellbeing", "episodes", "roi"])
def test_settling_only_the_equations_touched_hides_what_applying_them_all_hides(name, monkeypatch):
    """The commissioner's page settles tens of thousands of equations; skipping those none of whose cells changed
    must hide exactly what applying every one in every pass hides (issue 13)."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from reports.catalogue import BY_PRACTICE, without_p_values
    from sps.models import Practice
    from sps.periods import resolve_period

    if connection.vendor != "postgresql":
        pytest.skip("generate_scale_data loads with PostgreSQL's COPY")
    call_command("generate_scale_data", referrals=3000, today=dt.date(2026, 11, 23), force=True, stdout=StringIO())
    practices = list(Practice.objects.values_list("ods_code", flat=True))
    results = {}
    for key in ["fy2025"] + [f"fy2025q{q}" for q in range(1, 5)]:
        start, end = resolve_period(key)
        results[key, None] = without_p_values(name, start=start, end=end)
        results.update(((key, code), result) for code, result in
                       BY_PRACTICE[name](start=start, end=end, practices=practices).items())
    skipping = disclose_together(name, copy.deepcopy(results), year="fy2025")
    monkeypatch.setattr(_Joint, "settle", _every_equation_each_pass)
    assert skipping == disclose_together(name, copy.deepcopy(results), year="fy2025")
    assert SUPPRESSED in _leaves(skipping)  # something was hidden: the comparison compares something
