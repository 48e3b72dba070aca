"""generate_scale_data (issue 13): a synthetic dataset with the demo's proportions, loaded with COPY."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Min

from outcomes.models import StarReading
from providers.models import OnwardReferral, Provider
from referrals.models import OPEN_STATUSES, Patient, Referral
from reports import floors
from reports.catalogue import REPORTS
from reports.evaluation import latest_data_until
from reports.models import ComparisonEpisode, ComparisonPerson, HospitalEpisode, ImportBatch
from sps.lib.nhs_number import is_valid_nhs_number
from sps.models import Practice, Role, User
from sps.periods import financial_year, financial_year_of

REFERRALS = 2000
TODAY = dt.date(2026, 11, 23)
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="it loads with PostgreSQL's COPY")
# Everything the command writes, emptied with their ids restarted before each run (sequences outlive the rollback
# of earlier tests).
TABLES = ("sps_practice", "sps_practice_advisers", "sps_user", "providers_provider", "providers_service",
          "providers_grant", "providers_grant_services", "providers_postcode", "providers_budget",
          "referrals_patient", "referrals_referral", "outcomes_assessment", "outcomes_starreading",
          "providers_onwardreferral", "reports_importbatch", "reports_hospitalepisode", "reports_programmecost",
          "reports_referraltarget", "reports_comparisonperson", "reports_comparisonepisode")
# The rows compared between two runs with the same seed.
COMPARED = {"referrals_patient": "id", "referrals_referral": "id", "outcomes_assessment": "id",
            "outcomes_starreading": "id", "providers_onwardreferral": "id", "sps_practice": "id",
            "providers_service": "code",
            "reports_hospitalepisode": "patient_id, episode_type, start_date, episode_ref",
            "reports_comparisonperson": "id",
            "reports_comparisonepisode": "person_id, episode_type, start_date, episode_ref"}


def empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def generate(seed: int = 7) -> str:
    out = StringIO()
    call_command("generate_scale_data", referrals=REFERRALS, seed=seed, today=TODAY, force=True, stdout=out)
    with connection.cursor() as cursor:
        # The foreign keys are checked at commit, which a test never reaches: check them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return out.getvalue()


def foreign_keys() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'f' ORDER BY 1, 2")
        return cursor.fetchall()


def digest() -> dict[str, str]:
    with connection.cursor() as cursor:
        result = {}
        for table, order in COMPARED.items():
            cursor.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY {order})) FROM {table} t")
            result[table] = cursor.fetchone()[0]
        return result


@needs_postgresql
@pytest.mark.django_db
def test_the_demo_proportions_hold_and_every_row_is_valid():
    keys_before = foreign_keys()
    generate()
    assert foreign_keys() == keys_before  # dropped for the load and put back, checked
    referrals = Referral.objects.count()
    patients = Patient.objects.count()
    assert referrals == REFERRALS
    assert patients == pytest.approx(0.9 * REFERRALS, rel=0.01)
    assert Practice.objects.count() == pytest.approx(REFERRALS / 170, rel=0.1)
    assert User.objects.filter(role=Role.ADVISER).count() == pytest.approx(REFERRALS / 400, rel=0.1)
    assert Provider.objects.count() == pytest.approx(REFERRALS / 100, rel=0.1)
    assert OnwardReferral.objects.count() / referrals == pytest.approx(1.6, rel=0.1)
    assert StarReading.objects.count() / referrals == pytest.approx(2, rel=0.1)
    assert HospitalEpisode.objects.count() / patients == pytest.approx(8, rel=0.15)
    # A comparison extract: 0.77 people per referral, about 8 episodes each, as two import batches.
    people = ComparisonPerson.objects.count()
    assert people == round(0.77 * REFERRALS)
    assert ComparisonEpisode.objects.count() / people == pytest.approx(8, rel=0.15)
    assert ImportBatch.objects.get(kind="comparison_episodes").created == ComparisonEpisode.objects.count()
    # A login for each role.
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # Valid NHS numbers; a baseline before every other reading of a referral; one open referral per patient (the
    # constraint held while loading, and the data says so too).
    assert all(is_valid_nhs_number(n) for n in Patient.objects.values_list("nhs_number", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM outcomes_starreading r WHERE kind <> 'baseline' AND NOT EXISTS ("
                       "SELECT 1 FROM outcomes_starreading b WHERE b.referral_id = r.referral_id "
                       "AND b.kind = 'baseline' AND b.reading_date < r.reading_date)")
        assert cursor.fetchone()[0] == 0
    assert Referral.objects.filter(status__in=OPEN_STATUSES).values("patient").distinct().count() \
        == Referral.objects.filter(status__in=OPEN_STATUSES).count()
    assert not OnwardReferral.objects.filter(made_date__gt=TODAY).exists()
    assert ImportBatch.objects.get(kind="episodes").created == HospitalEpisode.objects.count()
    # No history written (the --help says so).
    assert not Referral.history.exists() and not Patient.history.exists()
    assert set(Referral.objects.values_list("status", flat=True)) == {
        "received", "accepted", "assessed", "active", "closed", "declined", "withdrawn"}


@needs_postgresql
@pytest.mark.django_db
def test_every_report_for_the_last_whole_financial_year_has_figures():
    generate()
    start, end = financial_year(financial_year_of(TODAY) - 1)
    process = REPORTS["process"](start=start, end=end)
    assert process["referrals_in"] > 300 and process["referrals_out"]["total"] > 300
    wellbeing = REPORTS["wellbeing"](start=start, end=end)
    assert wellbeing["patients"] > 100 and wellbeing["progress_any_pct"] > 50
    episodes = REPORTS["episodes"](start=start, end=end)
    assert episodes["subgroups"]["all"]["patients"] > 50
    assert episodes["subgroups"]["all"]["measures"]["ae_attendance"]["before"] > 0
    roi = REPORTS["roi"](start=start, end=end)
    assert roi["engaged_patients"] > 50 and roi["programme_cost"] > 0
    assert roi["subgroups"]["all"]["saving_year1"]
    impact = REPORTS["impact"](start=start, end=end)
    assert impact["subgroups"]["all"]["cases"] > 0.6 * episodes["subgroups"]["all"]["patients"]  # a small extract
    assert impact["subgroups"]["all"]["measures"]["ae_attendance"]["ci_low"] is not None
    out = StringIO()
    call_command("bench_impact", runs=1, year=financial_year_of(TODAY) - 1, stdout=out)
    assert f"{impact['subgroups']['all']['cases']:,} matched" in out.getvalue()


@needs_postgresql
@pytest.mark.django_db
def test_a_comparison_extract_is_added_to_a_generated_dataset(settings):
    out = StringIO()
    call_command("generate_scale_data", referrals=200, seed=3, today=TODAY, comparison=0, force=True, stdout=out)
    assert not ComparisonPerson.objects.exists()
    call_command("generate_comparison_data", people=500, force=True, stdout=out)
    assert ComparisonPerson.objects.count() == 500 and "Loaded 500 comparison people" in out.getvalue()
    assert ComparisonEpisode.objects.aggregate(first=Min("start_date"))["first"] >= \
        Referral.objects.aggregate(first=Min("referral_date"))["first"] - dt.timedelta(days=365)
    for options, message in [({"people": 0, "force": True}, "at least 1"), ({"people": 5}, "DEBUG is off")]:
        settings.DEBUG = False
        with pytest.raises(CommandError, match=message):
            call_command("generate_comparison_data", **options)


@needs_postgresql
@pytest.mark.django_db
def test_comparison_data_needs_referrals_first():
    with pytest.raises(CommandError, match="run generate_scale_data first"):
        call_command("generate_comparison_data", people=5, force=True)


@needs_postgresql
@pytest.mark.django_db
def test_each_reports_floor_gives_its_figures_and_the_benchmark_prints_them_side_by_side():
    """reports/floors.py is the hand-written SQL that `bench_evaluation` compares each report with: a floor that gave
    other figures would make the comparison meaningless."""
    generate()
    start, end = financial_year(financial_year_of(TODAY) - 1)
    data_until = latest_data_until()
    for name in floors.FLOORS:
        shared = floors.shared_figures(name, REPORTS[name](start=start, end=end))
        low = floors.floor(name, start, end, data_until)
        assert shared == {key: low[key] for key in shared}, name
    assert floors.shared_figures("episodes", REPORTS["episodes"](start=start, end=end))["all"]["patients"] > 50
    out = StringIO()
    call_command("bench_evaluation", runs=1, year=financial_year_of(TODAY) - 1, stdout=out)
    table = out.getvalue().splitlines()[-4:]
    assert [line.split(" | ")[0].strip("| ") for line in table] == list(floors.FLOORS)
    assert all(line.endswith("| yes |") for line in table), table


@needs_postgresql
@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    empty()
    generate(seed=7)
    first = digest()
    empty()
    generate(seed=7)
    assert digest() == first
    empty()
    generate(seed=8)
    other = digest()
    assert other["referrals_referral"] != first["referrals_referral"]
    assert other["reports_hospitalepisode"] != first["reports_hospitalepisode"]


@needs_postgresql
@pytest.mark.django_db
def test_the_smallest_dataset_allowed_loads_too():
    """With 100 referrals there are two providers: each kind of onward referral still needs a service."""
    call_command("generate_scale_data", referrals=100, today=TODAY, force=True, stdout=StringIO())
    assert Referral.objects.count() == 100
    assert set(OnwardReferral.objects.values_list("kind", flat=True)) == {
        "commissioned", "non_commissioned", "non_vcs", "signpost"}


@pytest.mark.smoke
@pytest.mark.django_db
def test_sqlite_is_refused_with_a_clear_message(monkeypatch):
    if connection.vendor != "sqlite":
        monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match=r"needs PostgreSQL .* it does not run on sqlite"):
        generate()
    assert not Referral.objects.exists()


@needs_postgresql
@pytest.mark.django_db
def test_refused_when_debug_is_off_without_force_and_into_a_database_with_data(settings, practice_a):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("generate_scale_data", referrals=REFERRALS, stdout=StringIO())
    with pytest.raises(CommandError, match="already has practices"):
        generate()


def test_the_help_says_it_writes_no_history(capsys):
    with pytest.raises(SystemExit):
        call_command("generate_scale_data", "--help")
    assert "writes no history" in " ".join(capsys.readouterr().out.split())
