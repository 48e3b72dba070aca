"""Every field rule gives `line N, column: message`; all or nothing; --skip-invalid; idempotence; history."""

import csv
import datetime as dt
import io

import pytest

from outcomes.models import StarReading
from providers.models import Grant, Provider, Service
from referrals.models import Patient, Referral
from reports.models import HospitalEpisode, ImportBatch, ProgrammeCost
from reports.tests.helpers import do_import
from sps.models import Practice, Role, User

REFERRALS_HEADER = ("referral_ref,nhs_number,given_name,family_name,date_of_birth,postcode,practice_ods_code,"
                    "referral_date,status,adviser_username\n")


def _referral_row(ref="R1", nhs="9434765919", postcode="S60 2HX", practice="C87001", day="2025-05-01",
                  status="received", adviser=""):
    return f"{ref},{nhs},Dorothy,Hague,1938-03-14,{postcode},{practice},{day},{status},{adviser}\n"


@pytest.fixture
def directory(practice_a, adviser_a):
    provider = Provider.objects.create(code="RVBS", name="Rother Valley Befriending Scheme")
    Service.objects.create(provider=provider, code="RVBS-1", name="Telephone befriending", category="befriending")
    return provider


@pytest.mark.parametrize(("kind", "data", "error"), [
    ("referrals", REFERRALS_HEADER + _referral_row(nhs="9434765918"),
     "line 2, nhs_number: 9434765918 fails the NHS number check"),
    ("referrals", REFERRALS_HEADER + _referral_row(postcode="XX1"), "line 2, postcode: XX1 is not a UK postcode"),
    ("referrals", REFERRALS_HEADER + _referral_row(practice="C99999"),
     "line 2, practice_ods_code: unknown practice C99999"),
    ("referrals", REFERRALS_HEADER + _referral_row(adviser="nobody"),
     "line 2, adviser_username: unknown adviser nobody"),
    ("referrals", REFERRALS_HEADER + _referral_row(day="2025.05.01"),
     "line 2, referral_date: 2025.05.01 is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    ("referrals", REFERRALS_HEADER + _referral_row(day="31/02/2025"),
     "line 2, referral_date: 31/02/2025 is not a real date"),
    ("referrals", REFERRALS_HEADER + _referral_row(status="lost"),
     "line 2, status: lost is not one of received, accepted"),
    ("grants", "grant_ref,provider_code,service_codes,amount,start_date,end_date\n"
               "G1,RVBS,RVBS-1,1000,2026-04-01,2026-03-01\n", "line 2, end_date: 01/03/2026 is before the start date"),
    ("grants", "grant_ref,provider_code,service_codes,amount,start_date,end_date\n"
               "G1,RVBS,NOPE-1,1000,2026-04-01,2027-03-31\n", "line 2, service_codes: unknown service NOPE-1"),
    ("costs", "date,amount,description\n2026-04-01,-5,Salaries\n", "line 2, amount: -5 is negative"),
    ("users", "username,email,role\nann,ann@example.nhs.uk,gp_staff\n", "line 2, practice_ods_code: is required"),
    ("onward", "onward_ref,referral_ref,kind,service_code,made_date,status\n"
               "O1,R9,commissioned,RVBS-1,2026-01-01,sent\n", "line 2, referral_ref: unknown referral R9"),
])
def test_each_field_rule_names_line_column_and_problem_and_nothing_is_written(directory, kind, data, error):
    before = {m: m.objects.count() for m in (Patient, Referral, Grant, ProgrammeCost, User)}
    result = do_import(kind, data)
    assert any(str(e).startswith(error) for e in result.errors), result.errors
    assert result.aborted
    assert {m: m.objects.count() for m in before} == before
    assert not ImportBatch.objects.exists()


def test_a_score_of_six_is_refused(directory):
    do_import("referrals", REFERRALS_HEADER + _referral_row(status="accepted"))
    header = "referral_ref,reading_date,reading_type," + ",".join(
        ["lifestyle", "looking_after_yourself", "managing_symptoms", "work_volunteering", "money", "where_you_live",
         "family_friends", "feeling_positive"])
    result = do_import("star", f"{header}\nR1,2025-06-01,baseline,6,3,3,3,3,3,3,3\n")
    assert [str(e) for e in result.errors] == ["line 2, lifestyle: 6 is not between 1 and 5"]
    assert not StarReading.objects.exists()


def test_every_invalid_row_is_listed_and_nothing_written(directory):
    data = REFERRALS_HEADER + _referral_row() + _referral_row(ref="R2", nhs="123") + _referral_row(
        ref="R3", nhs="9434765918")
    result = do_import("referrals", data)
    assert [e.line for e in result.errors] == [3, 4]
    assert not Referral.objects.exists() and not Patient.objects.exists()


def test_skip_invalid_writes_the_good_rows_and_sets_the_bad_aside(directory):
    rejects = io.StringIO()
    data = REFERRALS_HEADER + _referral_row() + _referral_row(ref="R2", nhs="123")
    result = do_import("referrals", data, rejects=rejects)
    assert result.ok and (result.counts.created, result.counts.rejected) == (1, 1)
    rows = list(csv.DictReader(io.StringIO(rejects.getvalue())))
    assert rows[0]["referral_ref"] == "R2" and rows[0]["error"] == "nhs_number: 123 is not 10 digits"
    assert Referral.objects.get().ref == "R1"


def test_reimporting_the_same_file_changes_nothing_and_a_changed_row_is_updated_with_history(directory, manager):
    data = REFERRALS_HEADER + _referral_row() + _referral_row(ref="R2", nhs="9990000018")
    first = do_import("referrals", data, user=manager)
    assert (first.counts.created, first.counts.unchanged) == (2, 0)
    again = do_import("referrals", data, user=manager)
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 2)
    changed = do_import("referrals", REFERRALS_HEADER + _referral_row(status="declined")
                        + _referral_row(ref="R2", nhs="9990000018"), user=manager)
    assert (changed.counts.updated, changed.counts.unchanged) == (1, 1)
    referral = Referral.objects.get(ref="R1")
    assert referral.status == "declined"
    latest = referral.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == ("declined", manager, "Imported")


def test_a_second_open_referral_for_a_patient_is_refused(directory):
    data = REFERRALS_HEADER + _referral_row() + _referral_row(ref="R2")
    result = do_import("referrals", data)
    assert [str(e) for e in result.errors] == ["line 3, status: the patient already has an open referral (R1)"]
    assert not Referral.objects.exists()


def test_imports_in_order_build_a_whole_service(db, manager):
    assert do_import("practices", "ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n").ok
    assert do_import("users", "username,email,role,practice_ods_code\nann,ann@example.nhs.uk,adviser,\n"
                              "gp1,gp1@example.nhs.uk,gp_staff,C88001\n").ok
    result = do_import("practices", "ods_code,name,postcode,adviser_usernames\nC88001,New Street Surgery,S60 1AA,ann\n")
    assert (result.counts.updated, result.counts.unchanged) == (1, 0)
    assert list(Practice.objects.get().advisers.values_list("username", flat=True)) == ["ann"]
    assert not User.objects.get(username="ann").has_usable_password()
    assert do_import("providers", "provider_code,provider_name,provider_kind,service_code,service_name,category\n"
                                  "RVBS,Rother Valley,vcs,RVBS-1,Phones,befriending\n").ok
    assert do_import("grants", "grant_ref,provider_code,service_codes,amount,start_date,end_date\n"
                               "G1,RVBS,RVBS-1,\"£12,500\",2024-04-01,2027-03-31\n").ok
    assert Grant.objects.get().amount == 12500
    assert do_import("referrals", REFERRALS_HEADER.replace("adviser_username", "adviser_username,closure_reason")
                     + "R1,943 476 5919,Dorothy,Hague,14/03/1938,s602hx,C88001,01/05/2025,closed,ann,Goals met\n").ok
    referral = Referral.objects.get()
    assert (referral.status, referral.closure_reason, referral.patient.postcode) == ("closed", "goals_met", "S60 2HX")
    assert do_import("onward", "onward_ref,referral_ref,kind,service_code,made_date,status,continued_after_end\n"
                               "O1,R1,commissioned,RVBS-1,2025-05-20,completed,yes\n").ok
    assert referral.onward_referrals.get().continued_after_end is True
    referral.refresh_from_db()
    assert referral.status == "closed"  # imports record the past: they never move a referral on
    assert do_import("costs", "date,amount,description\n2025-04-01,\"£52,000\",Adviser salaries\n").ok
    assert ProgrammeCost.objects.get().amount == 52000
    assert User.objects.get(username="gp1").role == Role.GP_STAFF


def test_episodes_for_people_the_service_never_saw_are_ignored(db):
    patient = Patient.objects.create(nhs_number="9434765919", given_name="A", family_name="B",
                                     date_of_birth=dt.date(1940, 1, 1), postcode="S60 2HX",
                                     practice=Practice.objects.create(ods_code="C88001", name="X", postcode="S60 1AA"))
    data = ("nhs_number,episode_type,start_date,end_date,episode_ref\n"
            "9434765919,nel_admission,2025-01-05,2025-01-09,S1\n"
            "9434765919,ae_attendance,05/01/2025,,\n"
            "9990000018,ae_attendance,2025-01-05,,\n")
    result = do_import("episodes", data, covered_until=dt.date(2025, 12, 31))
    assert (result.counts.created, result.counts.ignored) == (2, 1)
    assert HospitalEpisode.objects.filter(patient=patient).count() == 2
    assert ImportBatch.objects.get().covered_until == dt.date(2025, 12, 31)
    again = do_import("episodes", data, covered_until=dt.date(2025, 12, 31))
    assert (again.counts.created, again.counts.unchanged, again.counts.ignored) == (0, 2, 1)
    changed = do_import("episodes", data.replace("2025-01-09", "2025-01-10"), covered_until=dt.date(2025, 12, 31))
    assert (changed.counts.updated, changed.counts.unchanged) == (1, 1)
    assert HospitalEpisode.objects.get(episode_type="nel_admission").end_date == dt.date(2025, 1, 10)


def test_episode_rows_are_checked_like_any_other(db):
    data = ("nhs_number,episode_type,start_date,end_date\n"
            "9434765918,ae_attendance,2025-01-05,\n"
            "9434765919,ae_visit,2025-01-05,\n"
            "9434765919,nel_admission,2025-01-05,2025-01-01\n")
    result = do_import("episodes", data, covered_until=dt.date(2025, 12, 31))
    assert [str(e) for e in result.errors] == [
        "line 2, nhs_number: 9434765918 fails the NHS number check",
        "line 3, episode_type: ae_visit is not one of nel_admission, nel_fce, ae_attendance, outpatient",
        "line 4, end_date: 01/01/2025 is before the start date",
    ]
    assert not HospitalEpisode.objects.exists()


def test_episode_columns_are_found_by_name_in_any_order_padded_or_left_out(db):
    """The quick check reads each row's cells by position (a million rows without a dict each): the positions
    come from the header, an optional column left out reads as blank, and anything unusual goes the careful way."""
    patient = Patient.objects.create(nhs_number="9434765919", given_name="A", family_name="B",
                                     date_of_birth=dt.date(1940, 1, 1), postcode="S60 2HX",
                                     practice=Practice.objects.create(ods_code="C88001", name="X", postcode="S60 1AA"))
    until = dt.date(2025, 12, 31)
    result = do_import("episodes", "start_date, episode_type ,nhs_number\n"
                                   " 2025-01-05 ,ae_attendance, 943 476 5919 \n05/02/2025,outpatient,9434765919\n",
                       covered_until=until)
    assert (result.ok, result.counts.created) == (True, 2)
    result = do_import("episodes", "episode_ref,end_date,start_date,nhs_number,episode_type\n"
                                   "[S1],[clear],2025-03-01,9434765919,nel_admission\n"
                                   "[clear],,2025-03-02,9434765919,nel_admission\n"
                                   "S2,2025-03-01,2025-03-04,9434765919,nel_admission\n", covered_until=until)
    assert [str(e) for e in result.errors] == [
        "line 3, episode_ref: cannot be cleared ([clear]): this column must have a value, or identifies the row",
        "line 4, end_date: 01/03/2025 is before the start date",
    ]
    result = do_import("episodes", "episode_ref,end_date,start_date,nhs_number,episode_type\n"
                                   "[S1],[clear],2025-03-01,9434765919,nel_admission\n", covered_until=until)
    assert result.counts.created == 1
    assert sorted(patient.episodes.values_list("episode_type", "start_date", "end_date", "episode_ref")) == [
        ("ae_attendance", dt.date(2025, 1, 5), None, ""),
        ("nel_admission", dt.date(2025, 3, 1), None, "[S1]"),
        ("outpatient", dt.date(2025, 2, 5), None, ""),
    ]


def test_a_repeated_episode_row_counts_once_the_last_one_winning(db):
    Patient.objects.create(nhs_number="9434765919", given_name="A", family_name="B", date_of_birth=dt.date(1940, 1, 1),
                           postcode="S60 2HX", practice=Practice.objects.create(ods_code="C88001", name="X",
                                                                               postcode="S60 1AA"))
    data = ("nhs_number,episode_type,start_date,end_date\n9434765919,nel_admission,2025-01-05,2025-01-07\n"
            "9434765919,nel_admission,2025-01-05,2025-01-09\n")
    result = do_import("episodes", data, covered_until=dt.date(2025, 12, 31))
    assert (result.counts.created, result.counts.unchanged) == (1, 1)
    assert HospitalEpisode.objects.get().end_date == dt.date(2025, 1, 9)


def test_dry_run_counts_but_writes_nothing(db):
    result = do_import("practices", "ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n", dry_run=True)
    assert result.counts.created == 1 and not Practice.objects.exists() and not ImportBatch.objects.exists()
