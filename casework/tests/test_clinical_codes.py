"""The national social prescribing codes recorded as a referral moves, and the manager's table of codes (issue 14):
the referral code at the first contact of an episode only, "declined" when the person declines, copied as they
were when recorded; the table checks every concept id."""

import datetime as dt
import importlib

import pytest
from django.urls import reverse

from outcomes.services import assessment_record
from referrals.models import DECLINED, REFERRED, ClinicalCode, CodedEvent, Status
from referrals.services import referral_close, referral_decline
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.lib.snomed import concept_id_error

REFERRAL_CODE, DECLINED_CODE = "871731000000106", "871711000000103"


@pytest.mark.parametrize(("value", "problem"), [
    (REFERRAL_CODE, None), (DECLINED_CODE, None), ("22298006", None), ("138875005", None),
    ("871731000000107", "check digit"), ("871731000000116", "check digit"), ("0871731", "not starting with 0"),
    ("12345", "6 to 18 digits"), ("8717310000001061234", "6 to 18 digits"), ("87173100000010A", "6 to 18 digits"),
    ("", "6 to 18 digits"), ("871731000011", "not of a concept"),
])
def test_a_concept_id_is_checked_with_its_verhoeff_digit_and_partition(value, problem):
    error = concept_id_error(value)
    assert error is None if problem is None else problem in error


@pytest.fixture(autouse=True)
def codes(national_codes):
    pass


@pytest.fixture
def accepted(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a,
                           referral_date=today() - dt.timedelta(days=30))


def _contact(referral, adviser, days_ago):
    return assessment_record(referral=referral, by=adviser, date=today() - dt.timedelta(days=days_ago),
                             kind="phone", needs=[])


def test_the_migration_adds_the_two_national_codes_as_the_services_do(national_codes):
    migration = importlib.import_module("referrals.migrations.0010_clinical_codes")
    assert {(c.meaning, c.concept_id, c.term) for c in ClinicalCode.objects.all()} == set(migration.DEFAULTS) == {
        (REFERRED, REFERRAL_CODE, "Referral to social prescribing service (procedure)"),
        (DECLINED, DECLINED_CODE, "Social prescribing declined (situation)")}


def test_the_referral_code_is_recorded_at_the_first_contact_only(accepted, adviser_a):
    assert not accepted.coded_events.exists()
    _contact(accepted, adviser_a, days_ago=10)
    _contact(accepted, adviser_a, days_ago=5)
    [event] = accepted.coded_events.all()
    assert (event.meaning, event.concept_id, event.date, event.recorded_by) == (
        REFERRED, REFERRAL_CODE, today() - dt.timedelta(days=10), adviser_a)
    assert event.term == "Referral to social prescribing service (procedure)"


def test_a_referral_whose_contacts_came_before_the_codes_is_dated_by_its_first(accepted, adviser_a):
    _contact(accepted, adviser_a, days_ago=20)
    accepted.coded_events.all().delete()  # as a referral seen before this was built
    _contact(accepted, adviser_a, days_ago=3)
    assert accepted.coded_events.get().date == today() - dt.timedelta(days=20)


def test_declined_is_coded_only_when_the_person_declined(practice_a, adviser_a):
    by_person = ReferralFactory(patient__practice=practice_a, status=Status.RECEIVED)
    not_eligible = ReferralFactory(patient__practice=practice_a, status=Status.RECEIVED)
    referral_decline(referral=by_person, by=adviser_a, reason="Does not want support now", person_declined=True)
    referral_decline(referral=not_eligible, by=adviser_a, reason="Lives outside the borough")
    assert by_person.coded_events.get().concept_id == DECLINED_CODE
    assert by_person.coded_events.get().date == today()
    assert not not_eligible.coded_events.exists()


def test_closing_because_the_person_declined_further_support_codes_it(accepted, adviser_a, practice_a):
    other = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a)
    closed_on = today() - dt.timedelta(days=2)
    referral_close(referral=accepted, by=adviser_a, reason="declined_support", closed_date=closed_on)
    referral_close(referral=other, by=adviser_a, reason="goals_met")
    assert [(e.concept_id, e.date) for e in accepted.coded_events.all()] == [(DECLINED_CODE, closed_on)]
    assert not other.coded_events.exists()


def test_what_was_recorded_keeps_its_code_when_the_table_changes(accepted, adviser_a):
    _contact(accepted, adviser_a, days_ago=4)
    ClinicalCode.objects.filter(meaning=REFERRED).update(concept_id="22298006", term="Something else")
    assert accepted.coded_events.get().concept_id == REFERRAL_CODE


def test_nothing_is_recorded_for_a_meaning_the_table_no_longer_has(accepted, adviser_a):
    ClinicalCode.objects.filter(meaning=REFERRED).delete()
    _contact(accepted, adviser_a, days_ago=4)
    assert not CodedEvent.objects.exists()


def test_the_referral_page_shows_the_codes_to_the_gp(client_for, gp_a, accepted, adviser_a):
    _contact(accepted, adviser_a, days_ago=4)
    page = client_for(gp_a).get(reverse("casework:referral", args=[accepted.pk])).text
    assert "Coded for the GP record" in page and f"SNOMED CT {REFERRAL_CODE}" in page
    assert reverse("letters:letter", args=[accepted.pk]) in page and "nothing beyond the referral code" in page


def test_the_manager_sees_the_table_in_a_fixed_number_of_queries(client_for, manager, django_assert_num_queries):
    client = client_for(manager)
    client.get(reverse("casework:clinical_codes"))
    with django_assert_num_queries(7) as few:
        client.get(reverse("casework:clinical_codes"))
    for n in range(12):
        ClinicalCode.objects.create(meaning=f"need:x{n}", concept_id="22298006", term=f"Term {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(reverse("casework:clinical_codes")).text
    assert REFERRAL_CODE in page and "Term 11" in page


def test_the_manager_maps_a_need_to_a_code(client_for, manager):
    response = client_for(manager).post(reverse("casework:clinical_codes"), {
        "meaning": "need:befriending", "concept_id": " 871731000000106 ", "term": " Befriending (regime/therapy) "})
    assert response.status_code == 302
    code = ClinicalCode.objects.get(meaning="need:befriending")
    assert (code.concept_id, code.term) == (REFERRAL_CODE, "Befriending (regime/therapy)")
    assert code.history.get().history_user == manager


@pytest.mark.parametrize(("posted", "field", "message"), [
    ({"meaning": "need:befriending", "concept_id": "871731000000107", "term": "x"}, "concept_id", "check digit"),
    ({"meaning": "need:befriending", "concept_id": "", "term": "x"}, "concept_id", "SNOMED CT concept id"),
    ({"meaning": "need:befriending", "concept_id": REFERRAL_CODE, "term": ""}, "term", "description"),
    ({"meaning": "referred", "concept_id": REFERRAL_CODE, "term": "x"}, "meaning", "There is a code for this"),
    ({"meaning": "need:cooking", "concept_id": REFERRAL_CODE, "term": "x"}, "meaning", "from the list"),
    ({"meaning": "need:befriending", "concept_id": REFERRAL_CODE, "term": "x" * 256}, "term", "256"),
])
def test_a_bad_code_is_refused_naming_its_field(client_for, manager, posted, field, message):
    response = client_for(manager).post(reverse("casework:clinical_codes"), posted)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert ClinicalCode.objects.count() == 2


def test_the_manager_changes_a_code(client_for, manager):
    code = ClinicalCode.objects.get(meaning=DECLINED)
    url = reverse("casework:clinical_code", args=[code.pk])
    assert client_for(manager).get(url).status_code == 200
    bad = client_for(manager).post(url, {"meaning": DECLINED, "concept_id": "12", "term": "x"})
    assert "6 to 18 digits" in " ".join(bad.context["form"].errors["concept_id"])
    response = client_for(manager).post(url, {"meaning": DECLINED, "concept_id": "22298006", "term": "Changed"})
    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.concept_id, code.term) == ("22298006", "Changed")
