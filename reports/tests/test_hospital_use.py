"""Each referral's hospital use, kept by the episodes import (issue 13): the reports read the kept counts where
they are current and count live the rest, with the same figures either way."""

import datetime as dt

import pytest
from django.db import connection

from reports import evaluation
from reports.models import HospitalUse
from reports.tests.helpers import do_import
from reports.tests.test_evaluation import END, START, _engaged, service  # noqa: F401 (a fixture)

D = dt.date
HEADER = "nhs_number,episode_type,start_date,end_date,episode_ref\n"


def _extract(*rows: tuple) -> str:
    return HEADER + "".join(",".join(row) + "\n" for row in rows)


def _import(*rows: tuple):
    result = do_import("episodes", _extract(*rows), covered_until=D(2026, 1, 1))
    assert result.ok, result.errors
    return result


def _live_report() -> dict:
    """The report with nothing kept: every referral counted from the episodes."""
    kept = list(HospitalUse.objects.all())
    HospitalUse.objects.all().delete()
    try:
        return evaluation.episodes(start=START, end=END)
    finally:
        HospitalUse.objects.bulk_create(kept)


@pytest.fixture
def two_people(service):  # noqa: F811 (the fixture imported above)
    first, second = _engaged(service, day=D(2024, 6, 1)), _engaged(service, day=D(2024, 9, 1))
    _import(
        (first.patient.nhs_number, "nel_admission", "2024-01-10", "2024-01-15", "A1"),
        (first.patient.nhs_number, "ae_attendance", "2024-07-01", "", "A2"),
        (first.patient.nhs_number, "outpatient", "2022-01-01", "", "too-early"),
        (second.patient.nhs_number, "nel_admission", "2025-01-02", "", "B1"),
        (second.patient.nhs_number, "nel_fce", "2024-03-01", "", "B2"),
    )
    return first, second


def test_the_import_keeps_each_referrals_counts_in_its_windows(two_people):
    first, second = two_people
    kept = HospitalUse.objects.get(referral=first)
    assert (kept.patient_id, kept.referral_date) == (first.patient_id, first.referral_date)
    assert (kept.nel_admission_before, kept.bed_days_before, kept.ae_attendance_after, kept.outpatient_before) \
        == (1, 5, 1, 0)
    kept = HospitalUse.objects.get(referral=second)
    assert (kept.nel_admission_after, kept.bed_days_after, kept.nel_fce_before) == (1, 0, 1)


def test_the_report_reads_the_kept_counts(two_people):
    first, _ = two_people
    HospitalUse.objects.filter(referral=first).update(outpatient_after=40)
    assert evaluation.episodes(start=START, end=END)["subgroups"]["all"]["measures"]["outpatient"]["after"] == 40


@pytest.mark.smoke  # on SQLite too: the embedded default counts with its own SQL
def test_kept_and_live_counts_give_the_same_report(two_people):
    report = evaluation.episodes(start=START, end=END)
    assert report["subgroups"]["all"]["patients"] == 2
    assert report["subgroups"]["all"]["measures"]["nel_admission"] == {
        "before": 1, "after": 1, "change_pct": 0.0, "p_value": None}
    assert report == _live_report()


@pytest.mark.smoke  # on SQLite too: the embedded default counts with its own SQL
def test_a_referral_whose_date_changed_since_the_import_is_counted_live(two_people):
    first, _ = two_people
    # Moved after the A&E attendance (1 July 2024): it is now in the before window.
    first.referral_date = D(2024, 12, 1)
    first.save()
    report = evaluation.episodes(start=START, end=END)
    assert report["subgroups"]["all"]["measures"]["ae_attendance"] == {
        "before": 1, "after": 0, "change_pct": -100.0, "p_value": None}
    assert report == _live_report()


def test_a_referral_made_since_the_import_is_counted_live(two_people, service):  # noqa: F811
    first, _ = two_people
    HospitalUse.objects.filter(referral=first).delete()
    report = evaluation.episodes(start=START, end=END)
    assert report["subgroups"]["all"]["measures"]["ae_attendance"]["after"] == 1
    assert report == _live_report()


@pytest.mark.smoke  # on SQLite too: the embedded default counts with its own SQL
def test_a_later_import_counts_again_only_the_patients_it_changes(two_people):
    first, second = two_people
    HospitalUse.objects.filter(referral=second).update(nel_fce_after=7)  # marks the row: recounting would clear it
    result = _import(
        (first.patient.nhs_number, "nel_admission", "2024-01-10", "2024-01-20", "A1"),  # end date changed
        (first.patient.nhs_number, "ae_attendance", "2025-03-01", "", "A3"),  # new
        (second.patient.nhs_number, "nel_admission", "2025-01-02", "", "B1"),  # as it was
    )
    assert (result.counts.created, result.counts.updated, result.counts.unchanged) == (1, 1, 1)
    kept = HospitalUse.objects.get(referral=first)
    assert (kept.bed_days_before, kept.ae_attendance_after) == (10, 2)
    # PostgreSQL counts again only the patients whose episodes changed; SQLite (the demo's sizes) every one in the
    # file, which makes its kept row right again.
    assert HospitalUse.objects.get(referral=second).nel_fce_after == (7 if connection.vendor == "postgresql" else 0)


def test_a_dry_run_keeps_nothing(service):  # noqa: F811
    referral = _engaged(service)
    do_import("episodes", _extract((referral.patient.nhs_number, "outpatient", "2024-07-01", "", "")),
              covered_until=D(2026, 1, 1), dry_run=True)
    assert not HospitalUse.objects.exists()


def test_counting_every_referral_again_keeps_one_row_each(two_people):
    with connection.cursor() as cursor:
        evaluation.count_hospital_use(cursor)
        evaluation.count_hospital_use(cursor)
    assert HospitalUse.objects.count() == 2
    assert evaluation.episodes(start=START, end=END) == _live_report()


def test_the_upgrade_counts_the_referrals_of_episodes_already_held(service):  # noqa: F811
    """Migration 0006 counts every referral once: the import only counts again the patients it changes."""
    import importlib

    from reports.tests.test_evaluation import _episode

    referral = _engaged(service)
    _episode(referral, "outpatient", D(2024, 7, 1))  # written as an older version would have: nothing kept
    assert not HospitalUse.objects.exists()
    upgrade = importlib.import_module("reports.migrations.0006_count_hospital_use")
    with connection.schema_editor() as schema_editor:
        upgrade.count_every_referral(None, schema_editor)
    assert HospitalUse.objects.get(referral=referral).outpatient_after == 1


def _recounted() -> dict:
    """Every kept row as counting every referral whole gives it."""
    with connection.cursor() as cursor:
        evaluation.count_hospital_use(cursor)
    return {row["referral_id"]: row for row in HospitalUse.objects.values()}


def test_what_an_import_adds_and_changes_is_what_counting_whole_gives(two_people, service):  # noqa: F811
    first, second = two_people
    third = _engaged(service, day=D(2024, 8, 1))  # referred since the import: no row yet
    again = _engaged(service, day=D(2023, 6, 1))
    # Two referrals of one patient (the earlier closed).
    again.patient, again.practice, again.status = first.patient, first.patient.practice, "closed"
    again.closed_date, again.closure_reason = D(2024, 1, 1), "goals_met"
    again.save()
    HospitalUse.objects.filter(referral=first).update(referral_date=D(2020, 1, 1))  # a row no longer current
    _import(
        (first.patient.nhs_number, "nel_admission", "2024-01-10", "2024-01-20", "A1"),  # end date later
        (first.patient.nhs_number, "nel_admission", "2023-12-01", "2023-12-04", "A4"),  # in both referrals' windows
        (second.patient.nhs_number, "nel_admission", "2025-01-02", "2025-01-09", "B1"),  # an end date given
        (third.patient.nhs_number, "ae_attendance", "2024-09-01", "", "C1"),
    )
    _import((second.patient.nhs_number, "nel_admission", "2025-01-02", "[clear]", "B1"))  # and taken away
    kept = {row["referral_id"]: row for row in HospitalUse.objects.values()}
    assert kept == _recounted()
    assert kept[first.pk]["bed_days_before"] == 10 + 3 and kept[again.pk]["nel_admission_after"] == 2
    assert kept[third.pk]["ae_attendance_after"] == 1
