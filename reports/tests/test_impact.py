"""The impact report (evaluation.md section 5) against small services worked out by hand, and against a
synthetic one with regression to the mean and a known planted effect."""

import datetime as dt
import hashlib
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from scipy.stats import t, ttest_1samp

from outcomes.tests.factories import reading
from providers.models import OnwardReferral, Provider, Service
from referrals.tests.factories import PatientFactory, ReferralFactory
from reports import evaluation
from reports.impact import impact, match
from reports.models import ComparisonEpisode, ComparisonPerson, HospitalEpisode, ImportBatch
from reports.presentation import balance_table, impact_story
from reports.tests.helpers import MATCHING

D = dt.date
START, END = D(2024, 4, 1), D(2025, 3, 31)
MEASURE_KEYS = ("case_before", "case_after", "control_before", "control_after", "naive_change", "expected_change",
                "effect", "effect_pct", "ci_low", "ci_high", "p_value")


@pytest.fixture
def service(db):
    provider = Provider.objects.create(code="P1", name="Befrienders")
    return Service.objects.create(provider=provider, code="S1", name="Phones", category="befriending")


@pytest.fixture
def extracts(db):
    """The service's hospital data until 31/03/2026, the comparison extract's until 31/12/2025."""
    return (ImportBatch.objects.create(kind="episodes", file_name="e.csv", covered_until=D(2026, 3, 31)),
            ImportBatch.objects.create(kind="comparison_episodes", file_name="c.csv", covered_until=D(2025, 12, 31)))


def case(service, day, *, sex="F", born=1950, risk=None, episodes=(), nhs=None):
    """An engaged referral on `day` with its hospital `episodes` (kind, start, end)."""
    patient = PatientFactory(sex=sex, date_of_birth=D(born, 3, 1), **({"nhs_number": nhs} if nhs else {}))
    referral = ReferralFactory(patient=patient, practice=patient.practice, referral_date=day, status="active",
                               risk_score=risk)
    reading(referral, "baseline", day + dt.timedelta(days=5))
    OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="completed",
                                  made_date=day + dt.timedelta(days=6))
    batch = ImportBatch.objects.filter(kind="episodes").first()
    HospitalEpisode.objects.bulk_create(
        HospitalEpisode(patient=patient, episode_type=kind, start_date=start, end_date=end, episode_ref=f"{i}",
                        batch=batch) for i, (kind, start, end) in enumerate(episodes))
    return referral


def person(pseudo_id, *, sex="F", born=1950, risk=None, episodes=()):
    """A comparison person with their hospital `episodes` (kind, start, end)."""
    batch = ImportBatch.objects.filter(kind="comparison_episodes").first()
    someone = ComparisonPerson.objects.create(pseudo_id=pseudo_id, year_of_birth=born, sex=sex, risk_score=risk,
                                              batch=batch)
    ComparisonEpisode.objects.bulk_create(
        ComparisonEpisode(person=someone, episode_type=kind, start_date=start, end_date=end, episode_ref=f"{i}",
                          batch=batch) for i, (kind, start, end) in enumerate(episodes))
    return someone


def first_by_hash(pseudo_ids, nhs, how_many):
    return sorted(pseudo_ids, key=lambda pseudo_id: hashlib.md5(f"{pseudo_id}:{nhs}".encode()).hexdigest())[:how_many]


NEL, AE, OP = "nel_admission", "ae_attendance", "outpatient"

# The comparison people, each with (nel_admission, bed_days, ae_attendance, outpatient) before and after the
# first of June 2024 (the index month of cases A and C): before is 02/06/2023 to 31/05/2024, after 01/06/2024 to
# 31/05/2025. P1-P5 are alike A and C: women born in 1950 (74 in 2024), 1 admission and 1-2 A&E attendances before.
PEOPLE = {
    "P1": dict(risk=50, episodes=[(NEL, D(2024, 1, 10), D(2024, 1, 12)), (AE, D(2023, 7, 1), None),
                                  (AE, D(2023, 8, 1), None), (AE, D(2024, 7, 1), None), (AE, D(2024, 8, 1), None),
                                  (OP, D(2024, 9, 1), None)]),
    "P2": dict(risk=52, episodes=[(NEL, D(2023, 10, 1), None), (AE, D(2023, 10, 1), None), (AE, D(2023, 10, 2), None),
                                  (NEL, D(2024, 12, 1), D(2024, 12, 5))]),
    # On the window's first day, and an admission the day before the month that runs into it: both before.
    "P3": dict(risk=48, episodes=[(NEL, D(2024, 5, 31), D(2024, 6, 3)), (AE, D(2023, 6, 2), None),
                                  (AE, D(2024, 5, 1), None)]),
    "P4": dict(risk=52, episodes=[(NEL, D(2024, 2, 1), None), (AE, D(2024, 2, 1), None), (AE, D(2024, 3, 1), None),
                                  (AE, D(2025, 5, 31), None), (AE, D(2025, 6, 1), None)]),  # the second: too late
    "P5": dict(risk=90, episodes=[(NEL, D(2024, 2, 1), None), (AE, D(2024, 2, 1), None), (AE, D(2024, 3, 1), None)]),
    # Alike but for one feature each: no admission before; a man; born in 1949 (75); 3 A&E attendances.
    "P6": dict(risk=50, episodes=[(AE, D(2024, 2, 1), None), (AE, D(2024, 3, 1), None)]),
    "P7": dict(sex="M", risk=50, episodes=[(NEL, D(2024, 2, 1), None), (AE, D(2024, 2, 1), None)]),
    "P8": dict(born=1949, risk=50, episodes=[(NEL, D(2024, 2, 1), None), (AE, D(2024, 2, 1), None)]),
    "P9": dict(risk=50, episodes=[(NEL, D(2024, 2, 1), None)] + [(AE, D(2024, 2, day), None) for day in (1, 2, 3)]),
}
# (nel_admission, bed_days, ae_attendance, outpatient) before, then after.
COUNTS = {"P1": ((1, 2, 2, 0), (0, 0, 2, 1)), "P2": ((1, 0, 2, 0), (1, 4, 0, 0)), "P3": ((1, 3, 2, 0), (0, 0, 0, 0)),
          "P4": ((1, 0, 2, 0), (0, 0, 1, 0)), "P5": ((1, 0, 2, 0), (0, 0, 0, 0))}


@pytest.fixture
def hand_worked(service, extracts):
    """Cases A and C matched (P1 to both), a man like nobody, and a case referred too late for the comparison data."""
    a = case(service, D(2024, 6, 10), risk=50, episodes=[
        (NEL, D(2024, 1, 5), D(2024, 1, 9)), (AE, D(2024, 2, 1), None), (AE, D(2024, 3, 1), None),
        (AE, D(2024, 9, 1), None)])  # (1, 4, 2, 0) -> (0, 0, 1, 0)
    c = case(service, D(2024, 6, 20), risk=50, episodes=[
        (NEL, D(2023, 12, 1), D(2023, 12, 3)), (AE, D(2024, 5, 1), None), (AE, D(2024, 5, 2), None),
        (NEL, D(2024, 10, 1), D(2024, 10, 2))])  # (1, 2, 2, 0) -> (1, 1, 0, 0)
    case(service, D(2024, 7, 1), sex="M", born=1930)  # nobody like him: unmatched
    case(service, D(2025, 3, 1), risk=50, episodes=[(NEL, D(2025, 1, 5), None), (AE, D(2025, 2, 1), None)])  # too late
    for pseudo_id, details in PEOPLE.items():
        person(pseudo_id, **details)
    return a, c


def test_matching_and_figures_worked_out_by_hand(hand_worked):
    a, c = hand_worked
    result = impact(start=START, end=END, explain=True)
    assert (result["engaged_patients"], result["risk_scored_cases"]) == (4, 2)

    # Each case takes P1 (risk 50, distance 0), then two of P2, P3 and P4 (distance 2) by the hash with its own
    # NHS number; P5 (distance 40) is never reached. P1 serves both.
    controls = {r: ["P1", *first_by_hash(["P2", "P3", "P4"], r.patient.nhs_number, 2)] for r in (a, c)}
    cases = {a: ((1, 4, 2, 0), (0, 0, 1, 0)), c: ((1, 2, 2, 0), (1, 1, 0, 0))}
    everyone = result["subgroups"]["all"]
    assert (everyone["cases"], everyone["unmatched"], everyone["unmatched_too_late"]) == (2, 2, 1)
    assert everyone["controls"] == len({p for chosen in controls.values() for p in chosen})
    for m, measure in enumerate(("nel_admission", "bed_days", "ae_attendance", "outpatient")):
        before = [cases[r][0][m] for r in (a, c)]
        after = [cases[r][1][m] for r in (a, c)]
        control_before = [np.mean([COUNTS[p][0][m] for p in controls[r]]) for r in (a, c)]
        control_after = [np.mean([COUNTS[p][1][m] for p in controls[r]]) for r in (a, c)]
        figures = everyone["measures"][measure]
        expected = np.mean(control_after) - np.mean(control_before)
        naive = np.mean(after) - np.mean(before)
        assert figures["case_before"] == pytest.approx(np.mean(before))
        assert figures["case_after"] == pytest.approx(np.mean(after))
        assert figures["control_before"] == pytest.approx(np.mean(control_before))
        assert figures["control_after"] == pytest.approx(np.mean(control_after))
        assert figures["naive_change"] == pytest.approx(naive)
        assert figures["expected_change"] == pytest.approx(expected)
        assert figures["effect"] == pytest.approx(naive - expected)
        assert figures["effect_pct"] == (None if not np.mean(before) else pytest.approx(
            (naive - expected) / np.mean(before) * 100))
        assert figures["ci_low"] is figures["ci_high"] is figures["p_value"] is None  # 2 cases
    assert everyone["measures"]["nel_fce"]["case_before"] == 0 and everyone["measures"]["nel_fce"]["effect_pct"] is None
    balance = result["balance"]
    assert balance["age"] == {"cases": 74.0, "controls": 74.0, "smd": None}  # no spread at all
    assert balance["female"] == {"cases": 1.0, "controls": 1.0, "smd": None}
    risk = [np.mean([PEOPLE[p]["risk"] for p in controls[r]]) for r in (a, c)]
    assert balance["risk_score"]["cases"] == 50 and balance["risk_score"]["controls"] == pytest.approx(np.mean(risk))
    assert result["comparison_until"] == "2025-12-31" and result["data_until"] == "2026-03-31"


def test_the_3_nearest_risk_scores_and_a_blank_risk_ties_everyone(service, extracts):
    nhs = "9434765919"
    blank = case(service, D(2024, 6, 10), nhs=nhs, episodes=[(NEL, D(2024, 1, 5), None), (AE, D(2024, 2, 1), None)])
    for pseudo_id in ("P1", "P2", "P3", "P4", "P5"):
        person(pseudo_id, **PEOPLE[pseudo_id])
    person("Q1", risk=None, episodes=PEOPLE["P1"]["episodes"])
    result = impact(start=START, end=END)
    assert result["subgroups"]["all"]["cases"] == 1
    # Everyone alike is at distance 1000 from a case with no score: the hash alone chooses.
    chosen = first_by_hash(["P1", "P2", "P3", "P4", "P5", "Q1"], blank.patient.nhs_number, 3)
    counts = {**COUNTS, "Q1": COUNTS["P1"]}
    expected_after = np.mean([counts[p][1][0] for p in chosen])
    assert result["subgroups"]["all"]["measures"]["nel_admission"]["control_after"] == pytest.approx(expected_after)
    assert result["balance"]["risk_score"] == {"cases": None, "controls": None, "smd": None}


def alike_by_hash(nhs, *, below, above):
    """Pseudo ids whose hash with `nhs` starts below 99999999, the threshold of a group of 40 (24 / 40 of the
    range), `below` of them, and `above` more that start above it."""
    low, high = [], []
    for n in range(10_000):
        pseudo_id = f"S{n}"
        (low if hashlib.md5(f"{pseudo_id}:{nhs}".encode()).hexdigest() < "99999999" else high).append(pseudo_id)
    return low[:below] + high[:above]


@pytest.mark.parametrize(("below", "above"), [(24, 16), (2, 38)], ids=["enough below", "too few below"])
def test_of_40_tied_candidates_the_3_first_by_hash_whatever_the_threshold_lets_through(service, extracts, below,
                                                                                         above):
    nhs = "9434765919"
    blank = case(service, D(2024, 6, 10), nhs=nhs)  # no risk score and no episodes: all 40 tie
    pseudo_ids = alike_by_hash(nhs, below=below, above=above)
    people = {person(pseudo_id, risk=50).id: pseudo_id for pseudo_id in pseudo_ids}
    matched = match(evaluation.cohort(START, END), None)
    assert matched.case["id"].tolist() == [blank.id]
    # With too few below the threshold the group is hashed whole, or the case would have 2 controls.
    assert sorted(people[p] for p in matched.pairs[1]) == sorted(first_by_hash(pseudo_ids, nhs, 3))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a read-only database: PostgreSQL's streaming replica")
def test_a_read_only_database_matches_alike_with_its_steps_as_ctes(service, hand_worked, django_assert_num_queries):
    nhs = "9434765919"
    case(service, D(2024, 6, 10), nhs=nhs)  # 40 tie, 2 below the threshold
    for pseudo_id in alike_by_hash(nhs, below=2, above=38):
        person(pseudo_id, risk=50)
    in_tables, kept = match(evaluation.cohort(START, END), None), impact(start=START, end=END, explain=True)
    with transaction.atomic():  # read-only until it is rolled back, as a replica always is: no table can be made
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL transaction_read_only = on")
        # Both extracts' dates; a savepoint, the settings, the planner's; the months, the rows; the savepoint rolled
        # back and released.
        with django_assert_num_queries(2 + 7):
            as_ctes = match(evaluation.cohort(START, END), None)
        assert sorted(zip(*as_ctes.pairs, strict=True)) == sorted(zip(*in_tables.pairs, strict=True))
        assert impact(start=START, end=END, explain=True) == kept
        transaction.set_rollback(True)


def test_without_a_comparison_extract_every_case_is_unmatched(service):
    ImportBatch.objects.create(kind="episodes", file_name="e.csv", covered_until=D(2026, 3, 31))
    case(service, D(2024, 6, 10))
    result = impact(start=START, end=END, explain=True)
    everyone = result["subgroups"]["all"]
    assert (everyone["cases"], everyone["unmatched"], everyone["unmatched_too_late"], everyone["controls"]) == \
        (0, 1, 1, 0)
    assert result["comparison_until"] is None
    assert everyone["measures"]["ae_attendance"]["effect"] is None and everyone["saving_year1"] is None
    assert result["balance"]["age"] == {"cases": None, "controls": None, "smd": None}


@pytest.mark.parametrize("matched", [9, 10])
def test_the_interval_needs_10_matched_cases(service, extracts, matched):
    # Every case: one admission and no A&E before, or 1-2, or 3-5; controls alike in each band.
    differences = [-1, -2, 0, -1, -2, 1, -1, -2, -1, 0][:matched]
    for difference in differences:
        before = 2 if difference < 0 else 1  # 1-2 attendances before: one band
        day = D(2024, 6, 10)
        attendances = [(AE, day - dt.timedelta(days=k + 1), None) for k in range(before)] + \
                      [(AE, day + dt.timedelta(days=k), None) for k in range(before + difference)]
        case(service, day, risk=50, episodes=[(NEL, D(2024, 1, 5), None), *attendances])
    for pseudo_id in ("C1", "C2", "C3"):  # 1 admission and 1 A&E before, 1 A&E after: change 0
        person(pseudo_id, risk=50, episodes=[(NEL, D(2024, 1, 5), None), (AE, D(2024, 2, 1), None),
                                            (AE, D(2024, 7, 1), None)])
    figures = impact(start=START, end=END)["subgroups"]["all"]["measures"]["ae_attendance"]
    d = np.array(differences, dtype=float)
    assert figures["effect"] == pytest.approx(d.mean())
    if matched < 10:
        assert figures["ci_low"] is figures["ci_high"] is figures["p_value"] is None
    else:
        half = t.ppf(0.975, 9) * d.std(ddof=1) / np.sqrt(10)
        assert figures["ci_low"] == pytest.approx(d.mean() - half)
        assert figures["ci_high"] == pytest.approx(d.mean() + half)
        assert figures["p_value"] == pytest.approx(ttest_1samp(d, 0).pvalue)


def test_savings_and_return_from_the_effect(service, extracts):
    from reports.models import ProgrammeCost

    ProgrammeCost.objects.create(date=D(2024, 5, 1), amount=1000, description="Advisers")
    for _ in range(10):
        day = D(2024, 6, 10)
        case(service, day, risk=50, episodes=[(NEL, D(2024, 1, 5), None), (AE, D(2024, 2, 1), None),
                                              (AE, D(2024, 2, 2), None), (AE, day + dt.timedelta(days=3), None)])
    for pseudo_id in ("C1", "C2", "C3"):
        person(pseudo_id, risk=50, episodes=[(NEL, D(2024, 1, 5), None), (AE, D(2024, 2, 1), None),
                                            (AE, D(2024, 7, 1), None)])
    everyone = impact(start=START, end=END)["subgroups"]["all"]
    # A&E: each case 2 -> 1, controls 1 -> 1: an effect of -1. Admissions: cases 1 -> 0, controls 1 -> 0: none.
    assert everyone["measures"]["ae_attendance"]["effect"] == pytest.approx(-1)
    assert everyone["measures"]["nel_admission"]["effect"] == pytest.approx(0)
    assert everyone["saving_year1"] == pytest.approx(148)  # one A&E attendance a person, at £148
    assert everyone["savings"]["3"] == pytest.approx(evaluation.savings_over(148, 3, 0.5, 0.035))
    assert everyone["roi"]["1"] == pytest.approx(148 / (1000 / 10))


def test_report_command_prints_the_impact_shape(service, extracts, capsys):
    call_command("report", "impact", "--from", "2024-04-01", "--to", "2025-03-31")
    result = json.loads(capsys.readouterr().out)
    assert list(result) == ["report", "from", "to", "data_until", "comparison_until", "subgroups", "balance"]
    assert list(result["subgroups"]) == ["all", "under_80", "80_plus", "continuing"]
    assert list(result["subgroups"]["all"]) == ["cases", "unmatched", "controls", "measures", "saving_year1",
                                                "savings", "roi"]
    assert list(result["subgroups"]["all"]["measures"]["bed_days"]) == list(MEASURE_KEYS)
    assert list(result["balance"]) == ["age", "female", "prior_nel_admission", "prior_ae_attendance",
                                       "prior_outpatient", "risk_score"]


def test_a_planted_effect_is_found_where_the_naive_change_is_far_from_it(service, extracts):
    """A synthetic service: everyone's A&E attendances come at their own rate, the same rate the year before and
    the year after; the service takes people with a bad year (3 or more), so their use falls anyway (regression to
    the mean), and it takes one further attendance off each case that would have had one: the planted effect."""
    rng = np.random.default_rng(15)
    rate = rng.gamma(2.0, 1.0, 2400)
    before, after = rng.poisson(rate), rng.poisson(rate)
    cases = rng.choice(np.flatnonzero(before >= 3), 60, replace=False)
    removed = np.minimum(after[cases], 1)
    planted = -removed.mean()
    month = D(2024, 6, 1)

    def attendances(start, n_before, n_after):
        return ([(AE, start - dt.timedelta(days=k + 1), None) for k in range(n_before)]
                + [(AE, start + dt.timedelta(days=k), None) for k in range(n_after)])

    for i, who in enumerate(cases):
        index = month + dt.timedelta(days=i % 28)
        case(service, index, episodes=attendances(index, before[who], after[who] - removed[i]))
    batch = ImportBatch.objects.get(kind="comparison_episodes")
    others = np.setdiff1d(np.arange(len(rate)), cases)
    people = ComparisonPerson.objects.bulk_create(
        ComparisonPerson(pseudo_id=f"S{who}", year_of_birth=1950, sex="F", batch=batch) for who in others)
    ComparisonEpisode.objects.bulk_create(
        ComparisonEpisode(person=someone, episode_type=kind, start_date=start, end_date=end, episode_ref="",
                          batch=batch)
        for someone, who in zip(people, others, strict=True)
        for kind, start, end in attendances(month, before[who], after[who]))

    figures = impact(start=START, end=END)["subgroups"]["all"]["measures"]["ae_attendance"]
    assert figures["ci_low"] <= planted <= figures["ci_high"]
    assert figures["naive_change"] < planted - 1  # the fall that would have happened anyway, taken for the effect
    assert not figures["ci_low"] <= figures["naive_change"] <= figures["ci_high"]
    assert figures["p_value"] < 0.05


URL = reverse("reports:evaluation")
IMPACT_PAGE = {"report": "impact", "period": "custom", "start": "2024-04-01", "end": "2025-03-31"}


def test_the_page_a_board_reads(client_for, manager, hand_worked, django_assert_num_queries):
    client = client_for(manager)
    client.get(URL)  # signed in fully
    # session, user, second factor; the programme cost (2) and unit costs, the hospital and comparison data until,
    # the matching (on PostgreSQL with its planner setting, in a savepoint); the practices for the form's list; the
    # session saved (3)
    with django_assert_num_queries(3 + 3 + 2 + MATCHING + 1 + 3):
        page = client.get(URL, IMPACT_PAGE)
    result = impact(start=START, end=END, explain=True)
    text = page.text
    assert "what would have happened anyway" in text and "The effect of the service is the difference" in text
    assert ("2 people with a year of hospital data found no match, and are left out of the figures above: 1 because "
            "the comparison extract ends on 31/12/2025, before their year after referral does; 1 because nobody in "
            "the comparison extract had the same sex") in text
    assert "ties broken by the MD5 hash" in text  # the method note
    [effects, returns, balance] = page.context["tables"]
    assert [t.name for t in (effects, returns, balance)] == ["impact", "impact_roi", "balance"]
    risk = result["balance"]["risk_score"]
    assert balance.rows[-1][:3] == ["Risk score", "50.00", f"{risk['controls']:.2f}"]
    assert balance.rows[0][-1] == ""  # age: no spread, no difference to flag
    chart = page.context["charts"][0]
    interval = chart["datasets"][3]
    assert interval["label"] == "95% interval of the effect" and interval["data"] == [None] * 4  # 2 cases: none
    csv_file = client.get(URL, {**IMPACT_PAGE, "download": "balance"})
    assert csv_file["Content-Type"].startswith("text/csv") and b"Standardised difference" in csv_file.content


def test_the_roi_page_shows_the_matched_return_beside_the_naive_one(client_for, manager, hand_worked):
    page = client_for(manager).get(URL, {**IMPACT_PAGE, "report": "roi", "programme_cost": "4000"})
    table = page.context["tables"][-1]
    assert table.name == "matched_roi"
    naive = evaluation.roi(start=START, end=END, programme_cost_override=4000)
    matched = impact(start=START, end=END, programme_cost_override=4000)
    assert table.values[0] == ["All engaged", "1", naive["subgroups"]["all"]["savings"]["1"],
                               matched["subgroups"]["all"]["savings"]["1"], naive["subgroups"]["all"]["roi"]["1"],
                               matched["subgroups"]["all"]["roi"]["1"]]
    assert matched["subgroups"]["all"]["roi"]["1"] == pytest.approx(
        matched["subgroups"]["all"]["saving_year1"] / (4000 / 4))


@pytest.mark.parametrize("who", ["gp_a", "adviser_a", "provider_staff"])
def test_nobody_else_sees_the_impact(client_for, request, who, hand_worked):
    assert client_for(request.getfixturevalue(who)).get(URL, IMPACT_PAGE).status_code == 404


def test_signed_out_the_impact_asks_to_sign_in(client, hand_worked):
    assert client.get(URL, IMPACT_PAGE).status_code == 302


def test_a_standardised_difference_beyond_a_tenth_either_way_is_flagged():
    differences = {"age": 0.11, "female": -0.11, "prior_nel_admission": 0.1, "prior_ae_attendance": -0.1,
                   "prior_outpatient": None, "risk_score": "*"}
    table = balance_table({key: {"cases": 1.0, "controls": 1.0, "smd": smd} for key, smd in differences.items()})
    assert [row[-1] for row in table.rows] == ["Yes", "Yes", "No", "No", "", "*"]


def test_the_story_names_the_gap_in_words():
    measures = {m: {key: None for key in MEASURE_KEYS} for m in evaluation.MEASURES}
    measures["ae_attendance"].update(case_before=1.3, case_after=1.05, naive_change=-0.25, expected_change=-0.14,
                                     effect=-0.11, ci_low=-0.22, ci_high=0.004, p_value=0.06)
    measures["nel_admission"].update(case_before=0.84, case_after=0.66, naive_change=-0.18, expected_change=-0.001,
                                     effect=-0.179)
    measures["bed_days"].update(case_before="*", case_after="*", naive_change="*", expected_change="*", effect="*")
    story = impact_story({"subgroups": {"all": {"measures": measures}}})
    assert story == [
        "Non-elective admissions: the people referred had 0.84 a person in the year before and 0.66 in the year "
        "after; their use fell by 0.18 a person. People like them who were never referred did not change over the "
        "same dates: what would have happened anyway. The effect of the service is the difference: 0.18 fewer a "
        "person.",
        "A&E attendances: the people referred had 1.30 a person in the year before and 1.05 in the year after; their "
        "use fell by 0.25 a person. People like them who were never referred fell by 0.14 a person over the same "
        "dates: what would have happened anyway. The effect of the service is the difference: 0.11 fewer a person "
        "(95% interval -0.22 to +0.00, p 0.060; it includes no effect at all).",
        "Bed days: hidden, because they are about too few people.",
    ]
