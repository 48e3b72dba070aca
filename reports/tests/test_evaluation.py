"""The reports against small cohorts worked out by hand (evaluation.md), edges included."""

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from scipy.stats import wilcoxon

from outcomes.tests.factories import reading
from providers.models import OnwardReferral, Provider, Service, SpotPurchase
from referrals.models import Referral
from referrals.tests.factories import PatientFactory, ReferralFactory
from reports import catalogue, evaluation
from reports.models import HospitalEpisode, ImportBatch, ProgrammeCost, UnitCost
from reports.tests.helpers import MATCHING_NO_CASES
from sps.tests.factories import PracticeFactory

D = dt.date
START, END = D(2024, 4, 1), D(2025, 3, 31)


@pytest.fixture
def service(db):
    provider = Provider.objects.create(code="P1", name="Befrienders")
    return Service.objects.create(provider=provider, code="S1", name="Phones", category="befriending")


def _engaged(service, *, day=None, born=None, continued=False, practice=None):
    """A referral engaged as domain.md defines it: a baseline, and an onward referral completed."""
    day = day or D(2024, 6, 1)
    patient = PatientFactory(date_of_birth=born or D(1950, 1, 1), **({"practice": practice} if practice else {}))
    referral = ReferralFactory(patient=patient, practice=patient.practice, referral_date=day, status="active")
    reading(referral, "baseline", day + dt.timedelta(days=5))
    OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="completed",
                                  made_date=day + dt.timedelta(days=6), continued_after_end=continued)
    return referral


# The cohort ---------------------------------------------------------------------------------------------------

def test_cohort_leaves_out_withdrawn_and_declined_and_counts_a_patient_once(db):
    patient = PatientFactory()
    first = ReferralFactory(patient=patient, referral_date=D(2024, 5, 1), status="closed")
    ReferralFactory(patient=patient, referral_date=D(2024, 5, 1), status="closed")  # same day, created later
    ReferralFactory(patient=patient, referral_date=D(2024, 9, 1))
    ReferralFactory(referral_date=D(2024, 6, 1), status="withdrawn")
    ReferralFactory(referral_date=D(2024, 6, 1), status="declined")
    assert list(evaluation.cohort(START, END)) == [first]


# 1. Process ---------------------------------------------------------------------------------------------------

def test_process_measures_by_hand(service):
    a, b = PracticeFactory(ods_code="C00002", name="Bee"), PracticeFactory(ods_code="C00001", name="Ay")
    # Ages on the referral date: exactly 80 today; 80 tomorrow (so 79); 59; 60.
    r1 = ReferralFactory(patient=PatientFactory(practice=a, date_of_birth=D(1944, 6, 1), ethnicity="A"),
                         practice=a, referral_date=D(2024, 6, 1))
    ReferralFactory(patient=PatientFactory(practice=a, date_of_birth=D(1944, 6, 2), ethnicity="J"), practice=a,
                    referral_date=D(2024, 6, 1), status="declined")
    ReferralFactory(patient=PatientFactory(practice=b, date_of_birth=D(1965, 6, 2), ethnicity="Z"), practice=b,
                    referral_date=D(2024, 6, 1))
    ReferralFactory(patient=PatientFactory(practice=b, date_of_birth=D(1964, 6, 1), ethnicity=""), practice=b,
                    referral_date=D(2024, 8, 15))
    ReferralFactory(practice=b, patient__practice=b, referral_date=D(2024, 6, 1), status="withdrawn")
    for kind, service_ in [("commissioned", service), ("non_vcs", None), ("signpost", None)]:
        OnwardReferral.objects.create(referral=r1, service=service_, kind=kind, destination="x", status="sent",
                                      made_date=D(2024, 7, 1))
    OnwardReferral.objects.create(referral=r1, service=service, kind="commissioned", status="sent",
                                  made_date=D(2025, 4, 1))  # after the period
    result = evaluation.process(start=START, end=END)
    assert result["referrals_in"] == 4
    assert result["referrals_out"] == {"commissioned": 1, "non_commissioned": 0, "non_vcs": 1, "signposts": 1,
                                       "total": 3}
    assert result["practices"] == 2
    assert result["top_practice"] == {"ods_code": "C00001", "name": "Ay", "referrals": 2}  # a tie: ODS first
    assert result["age_80_plus_pct"] == 25.0 and result["age_under_60_pct"] == 25.0
    assert result["bme_pct"] == 50.0  # J of A and J; Z and blank left out
    assert result["by_category"]["befriending"] == 1 and result["by_category"]["other"] == 2
    assert len(result["by_category"]) == 14
    months = result["monthly"]
    assert len(months) == 12 and months[0] == {"month": "2024-04", "referrals": 0}
    assert months[2] == {"month": "2024-06", "referrals": 3} and months[4]["referrals"] == 1


def test_process_with_nothing_gives_nulls_not_errors(db):
    result = evaluation.process(start=START, end=END)
    assert (result["top_practice"], result["age_80_plus_pct"], result["bme_pct"]) == (None, None, None)
    assert result["referrals_out"]["total"] == 0


def test_practice_filter_keeps_only_that_practices_referrals_and_their_onward_referrals(service):
    mine, other = _engaged(service), _engaged(service)
    result = evaluation.process(start=START, end=END, practice=mine.practice.ods_code)
    assert result["referrals_in"] == 1 and result["referrals_out"]["total"] == 1
    assert other.practice != mine.practice


# 2. Wellbeing -------------------------------------------------------------------------------------------------

def test_wellbeing_by_hand(db):
    one = ReferralFactory(referral_date=D(2024, 6, 1), status="active")
    reading(one, "baseline", D(2024, 6, 10), lifestyle=1, money=2)  # earliest baseline
    reading(one, "baseline", D(2024, 6, 20), lifestyle=5)
    reading(one, "review", D(2024, 9, 1), lifestyle=5, money=5)
    reading(one, "discharge", D(2024, 12, 1), lifestyle=2, money=2, family_friends=4)
    reading(one, "review", D(2024, 12, 1), lifestyle=5)  # a discharge wins a tie of dates
    two = ReferralFactory(referral_date=D(2024, 7, 1), status="active")
    reading(two, "baseline", D(2024, 7, 10), default=2)
    reading(two, "review", D(2024, 10, 10), default=3, money=2)
    no_follow_up = ReferralFactory(referral_date=D(2024, 7, 1))
    reading(no_follow_up, "baseline", D(2024, 7, 10))
    result = evaluation.wellbeing(start=START, end=END)
    assert result["patients"] == 2
    assert result["progress_any_pct"] == 100.0
    assert result["progress_4plus_pct"] == 50.0  # two improved 7 areas; one improved 2
    lifestyle, money = result["areas"]["lifestyle"], result["areas"]["money"]
    assert (lifestyle["progress_pct"], lifestyle["low_baseline"], lifestyle["low_improved_pct"]) == (100.0, 2, 100.0)
    assert lifestyle["mean_change"] == 1.0  # (2 - 1 + 3 - 2) / 2
    assert (money["progress_pct"], money["low_baseline"], money["low_improved_pct"], money["mean_change"]) == (
        0.0, 2, 0.0, 0.0)
    # Low pairs: one has 2 (lifestyle up, money flat), two has 8 (7 up): 8 of 10.
    assert result["low_improved_pct"] == 80.0


def test_a_review_on_the_baseline_date_is_not_a_follow_up(db):
    referral = ReferralFactory(referral_date=D(2024, 6, 1), status="active")
    reading(referral, "baseline", D(2024, 6, 10), default=2)
    reading(referral, "review", D(2024, 6, 10), default=4)
    assert evaluation.wellbeing(start=START, end=END)["patients"] == 0
    reading(referral, "review", D(2024, 6, 11), default=3)
    result = evaluation.wellbeing(start=START, end=END)
    assert result["patients"] == 1 and result["areas"]["money"]["mean_change"] == 1.0


def test_wellbeing_with_no_follow_ups_gives_nulls(db):
    result = evaluation.wellbeing(start=START, end=END)
    assert result["patients"] == 0 and result["progress_any_pct"] is None
    assert result["areas"]["money"] == {"progress_pct": None, "low_baseline": 0, "low_improved_pct": None,
                                        "mean_change": None}


# 3. Episodes --------------------------------------------------------------------------------------------------

def _episode(referral, kind, day, end=None, ref=""):
    batch = ImportBatch.objects.first() or ImportBatch.objects.create(kind="episodes", file_name="x",
                                                                      covered_until=D(2026, 1, 1))
    HospitalEpisode.objects.create(patient=referral.patient, episode_type=kind, start_date=day, end_date=end,
                                   episode_ref=ref or f"{kind}{day}", batch=batch)


def test_episode_windows_at_their_edges(service):
    index = D(2024, 6, 1)
    referral = _engaged(service, day=index)
    _episode(referral, "ae_attendance", index - dt.timedelta(days=365))  # before (first day)
    _episode(referral, "ae_attendance", index - dt.timedelta(days=366))  # too early
    _episode(referral, "ae_attendance", index)  # after: the index date itself
    _episode(referral, "ae_attendance", index + dt.timedelta(days=364))  # after (last day)
    _episode(referral, "ae_attendance", index + dt.timedelta(days=365))  # too late
    _episode(referral, "nel_admission", index - dt.timedelta(days=10), index - dt.timedelta(days=6))  # 4 bed days
    _episode(referral, "nel_admission", index + dt.timedelta(days=10))  # no end: 0 bed days
    all_ = evaluation.episodes(start=START, end=END, data_until=index + dt.timedelta(days=364))["subgroups"]["all"]
    assert all_["patients"] == 1
    m = all_["measures"]
    assert (m["ae_attendance"]["before"], m["ae_attendance"]["after"]) == (1, 2)
    assert m["ae_attendance"]["change_pct"] == 100.0
    assert (m["nel_admission"]["before"], m["nel_admission"]["after"]) == (1, 1)
    assert (m["bed_days"]["before"], m["bed_days"]["after"]) == (4, 0)
    assert m["outpatient"] == {"before": 0, "after": 0, "change_pct": None, "p_value": None}


def test_patients_without_a_full_year_of_follow_up_are_left_out(service):
    index = D(2024, 6, 1)
    _engaged(service, day=index)
    result = evaluation.episodes(start=START, end=END, data_until=index + dt.timedelta(days=363))
    assert result["subgroups"]["all"]["patients"] == 0
    assert evaluation.episodes(start=START, end=END, data_until=index + dt.timedelta(days=364)
                               )["subgroups"]["all"]["patients"] == 1


def test_data_until_defaults_to_the_latest_extract(service):
    ImportBatch.objects.create(kind="episodes", file_name="a", covered_until=D(2025, 3, 1))
    ImportBatch.objects.create(kind="episodes", file_name="b", covered_until=D(2025, 9, 30))
    assert evaluation.episodes(start=START, end=END)["data_until"] == "2025-09-30"


def test_subgroups_at_exactly_80_and_continuing(service):
    index = D(2024, 6, 1)
    _engaged(service, day=index, born=D(1944, 6, 1))  # 80 on the index date
    _engaged(service, day=index, born=D(1944, 6, 2))  # 79
    _engaged(service, day=index, born=D(1960, 1, 1), continued=True)
    groups = evaluation.episodes(start=START, end=END, data_until=D(2026, 1, 1))["subgroups"]
    assert [groups[g]["patients"] for g in ("all", "under_80", "80_plus", "continuing")] == [3, 2, 1, 1]


def test_only_engaged_patients_are_in_the_episode_analysis(service):
    signposted = ReferralFactory(referral_date=D(2024, 6, 1), status="active")
    reading(signposted, "baseline", D(2024, 6, 5))
    OnwardReferral.objects.create(referral=signposted, kind="signpost", destination="leaflet", status="completed",
                                  made_date=D(2024, 6, 6))
    sent_only = ReferralFactory(referral_date=D(2024, 6, 1), status="active")
    reading(sent_only, "baseline", D(2024, 6, 5))
    OnwardReferral.objects.create(referral=sent_only, service=service, kind="commissioned", status="sent",
                                  made_date=D(2024, 6, 6))
    assert evaluation.episodes(start=START, end=END, data_until=D(2026, 1, 1))["subgroups"]["all"]["patients"] == 0


def test_p_value_is_scipys_wilcoxon_and_null_under_ten_non_zero_pairs(service):
    index = D(2024, 6, 1)
    pairs = [(3, 1), (2, 2), (4, 1), (1, 0), (5, 2), (2, 0), (3, 3), (6, 2), (2, 1), (4, 4), (3, 0), (1, 1), (7, 3),
             (2, 5)]  # ties, zero differences, and exactly ten non-zero ones
    for before, after in pairs:
        referral = _engaged(service, day=index)
        for n in range(before):
            _episode(referral, "outpatient", index - dt.timedelta(days=n + 1))
        for n in range(after):
            _episode(referral, "outpatient", index + dt.timedelta(days=n))
        if before > 5:
            _episode(referral, "ae_attendance", index - dt.timedelta(days=1))
    m = evaluation.episodes(start=START, end=END, data_until=D(2026, 1, 1))["subgroups"]["all"]["measures"]
    expected = wilcoxon([b for b, _ in pairs], [a for _, a in pairs], zero_method="wilcox",
                        alternative="two-sided").pvalue
    assert sum(1 for b, a in pairs if b != a) == 10
    assert m["outpatient"]["p_value"] == pytest.approx(expected)
    assert m["ae_attendance"]["p_value"] is None  # two non-zero pairs
    assert m["outpatient"]["change_pct"] == pytest.approx((25 - 45) / 45 * 100)


@pytest.mark.parametrize("seed", range(6))
def test_the_p_value_from_grouped_differences_is_scipys_on_them_spelled_out(seed):
    """The report works the test out from each distinct difference and how many patients have it: the same p value
    scipy gives for every difference written out, on both sides of the 50 where scipy turns to its approximation,
    with zeros and ties, and null below ten non-zero differences."""
    rng = np.random.default_rng(seed)
    for most in (2, 4, 12, 60, 3000):
        differences = rng.integers(-6, 7, size=rng.integers(1, 25))
        patients = rng.integers(1, most, size=len(differences))
        spelled_out = np.repeat(differences, patients)
        p = evaluation._p_value(differences, patients)
        if np.count_nonzero(spelled_out) < 10:
            assert p is None
        else:
            assert p == pytest.approx(wilcoxon(spelled_out, zero_method="wilcox").pvalue, rel=1e-9, abs=1e-300)


# 4. ROI -------------------------------------------------------------------------------------------------------

def test_roi_by_hand(service, manager):
    index = D(2024, 6, 1)
    referrals = [_engaged(service, day=index) for _ in range(2)]
    for referral in referrals:
        _episode(referral, "nel_admission", index - dt.timedelta(days=30), index - dt.timedelta(days=25))
        _episode(referral, "ae_attendance", index - dt.timedelta(days=20))
        _episode(referral, "ae_attendance", index - dt.timedelta(days=21))
        _episode(referral, "ae_attendance", index + dt.timedelta(days=20))
    ProgrammeCost.objects.create(date=D(2024, 5, 1), description="Salaries", amount=Decimal(900))
    ProgrammeCost.objects.create(date=D(2025, 5, 1), description="Later", amount=Decimal(5000))
    SpotPurchase.objects.create(referral=referrals[0], provider=service.provider, description="x", reason="y",
                                cost=100, requested_by=manager, requested_date=D(2024, 7, 1), status="approved",
                                decided_by=manager, decided_date=D(2024, 7, 2))
    result = evaluation.roi(start=START, end=END, data_until=D(2026, 1, 1))
    assert (result["programme_cost"], result["engaged_patients"], result["cost_per_patient"]) == (1000.0, 2, 500.0)
    everyone = result["subgroups"]["all"]
    # Per patient: one admission avoided (1,590) and one A&E attendance (148).
    assert everyone["saving_year1"] == pytest.approx(1738.0)
    assert everyone["savings"]["3"] == pytest.approx(1738 * (1 + 0.5 / 1.035 + 0.5 / 1.035 ** 2))
    assert everyone["roi"]["1"] == pytest.approx(1738 / 500)
    assert result["subgroups"]["continuing"] == {"patients": 0, "saving_year1": None,
                                                 "savings": {"1": None, "3": None, "5": None},
                                                 "roi": {"1": None, "3": None, "5": None}}


def test_roi_defaults_reproduce_the_shape_of_the_cresr_table():
    assert evaluation.savings_over(100, 3, 0.5, 0.035) == pytest.approx(195.0, rel=0.01)
    assert evaluation.savings_over(100, 5, 0.5, 0.035) == pytest.approx(284.0, rel=0.01)


def test_roi_options_and_the_managers_unit_costs(service):
    UnitCost.objects.create(financial_year=2024, measure="ae_attendance", amount=200)
    result = evaluation.roi(start=START, end=END, programme_cost_override=0, persistence=1, discount_rate=0,
                            unit_costs={"outpatient": 99})
    assert result["unit_costs"]["ae_attendance"] == 200.0 and result["unit_costs"]["outpatient"] == 99
    assert result["unit_costs"]["nel_admission"] == 1590.0
    assert result["programme_cost"] == 0 and result["cost_per_patient"] is None


# Fixed queries, and the command --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "queries"), [("process", 2), ("wellbeing", 1), ("episodes", 1), ("roi", 4)])
def test_each_report_makes_a_fixed_number_of_queries(service, django_assert_num_queries, name, queries):
    for n in range(3):
        _engaged(service, day=D(2024, 6, 1) + dt.timedelta(days=n))
    kwargs = {"data_until": D(2026, 1, 1)} if name in ("episodes", "roi") else {}
    with django_assert_num_queries(queries):
        catalogue.REPORTS[name](start=START, end=END, **kwargs)
    for n in range(6):
        _engaged(service, day=D(2024, 9, 1) + dt.timedelta(days=n))
    with django_assert_num_queries(queries):
        catalogue.REPORTS[name](start=START, end=END, **kwargs)


def test_command_prints_the_same_figures_as_the_function(service, capsys):
    _engaged(service)
    call_command("report", "process", "--from", "2024-04-01", "--to", "2025-03-31")
    assert json.loads(capsys.readouterr().out) == evaluation.process(start=START, end=END)
    call_command("report", "wellbeing", "--from", "2024-04-01", "--to", "2025-03-31", "--format", "csv")
    assert capsys.readouterr().out.splitlines()[0] == "area,progress_pct,low_baseline,low_improved_pct,mean_change"


@pytest.mark.parametrize("args", [["nonsense", "--from", "2024-04-01", "--to", "2025-03-31"],
                                  ["process", "--from", "2025-04-01", "--to", "2024-03-31"],
                                  ["process", "--from", "2024-02-30", "--to", "2025-03-31"]])
def test_bad_arguments_exit_2(db, args):
    with pytest.raises(CommandError) as error:
        call_command("report", *args)
    assert error.value.returncode == 2


# Every practice at once ---------------------------------------------------------------------------------------

@pytest.fixture
def two_practices(service):
    """Engaged people at two practices, one of them referred by both (so counted once in all practices' cohort)."""
    first, second = PracticeFactory(ods_code="C86001"), PracticeFactory(ods_code="C86002")
    for n in range(3):
        _engaged(service, day=D(2024, 6, 1) + dt.timedelta(days=n), practice=first)
    for n in range(5):
        _engaged(service, day=D(2024, 9, 1) + dt.timedelta(days=n), practice=second, born=D(1930, 1, 1))
    twice = _engaged(service, day=D(2024, 7, 1), practice=first)
    Referral.objects.filter(pk=twice.pk).update(status="closed")
    again = ReferralFactory(patient=twice.patient, practice=second, referral_date=D(2024, 8, 1), status="active")
    reading(again, "baseline", D(2024, 8, 2))
    OnwardReferral.objects.create(referral=again, service=service, kind="commissioned", status="completed",
                                  made_date=D(2024, 8, 3))
    batch = ImportBatch.objects.create(kind="episodes", file_name="x", covered_until=D(2026, 1, 1))
    for referral in Referral.objects.all():
        reading(referral, "review", referral.referral_date + dt.timedelta(days=60), default=5)
        HospitalEpisode.objects.create(patient=referral.patient, episode_type="ae_attendance", batch=batch,
                                       start_date=referral.referral_date - dt.timedelta(days=20),
                                       episode_ref=f"ae{referral.pk}")
    return ["C86001", "C86002", "C86003"]  # the last with nobody


@pytest.mark.parametrize("name", list(catalogue.REPORTS))
def test_every_practice_at_once_is_each_practice_alone(two_practices, django_assert_num_queries, name):
    kwargs = {"data_until": D(2026, 1, 1)} if name in ("episodes", "roi", "impact") else {}
    with django_assert_num_queries({"process": 2, "wellbeing": 1, "episodes": 1, "roi": 4,
                                     "impact": 4 + MATCHING_NO_CASES}[name]):  # no comparison extract: no cases
        at_once = catalogue.BY_PRACTICE[name](start=START, end=END, practices=two_practices, **kwargs)
    assert at_once["C86001"] != at_once["C86003"] != at_once["C86002"]  # somebody at two, nobody at one
    alone = {code: catalogue.REPORTS[name](start=START, end=END, practice=code, **kwargs) for code in two_practices}
    assert at_once == _without_p_values(alone)


def _without_p_values(figures):
    if isinstance(figures, dict):
        return {key: None if key == "p_value" else _without_p_values(value) for key, value in figures.items()}
    return figures
