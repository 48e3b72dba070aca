"""A person's subject access export (UK GDPR, issue 14): everything held about them, as JSON and as a readable PDF,
for the manager only, recorded in the access log, in a fixed number of queries."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from outcomes.services import assessment_record
from outcomes.tests.factories import reading
from providers.tests.factories import OnwardReferralFactory, SpotPurchaseFactory
from referrals.models import AccessEvent, Status
from referrals.services import patient_consent_record
from referrals.tests.factories import ReferralFactory
from reports.models import HospitalEpisode, ImportBatch
from sps.lib.dates import today


@pytest.fixture
def person(practice_a, adviser_a, national_codes):
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=50), patient__family_name="O'Hara",
                               reason="Lonely since <b>moving</b>")
    patient_consent_record(referral=referral, by=adviser_a, consent_referral=True, consent_share=True, how="phone",
                           given_on=today(), gp_letter="codes")
    assessment_record(referral=referral, by=adviser_a, date=today() - dt.timedelta(days=40), kind="home_visit",
                      needs=["befriending"], notes="Keen on the lunch club")
    reading(referral, "baseline", today() - dt.timedelta(days=40))
    OnwardReferralFactory(referral=referral)
    SpotPurchaseFactory(referral=referral, requested_by=adviser_a)
    batch = ImportBatch.objects.create(kind="episodes", file_name="extract.csv", covered_until=today())
    HospitalEpisode.objects.create(patient=referral.patient, episode_type="ae_attendance",
                                   start_date=today() - dt.timedelta(days=300), batch=batch)
    return referral.patient


def _export(client, patient, file_format):
    return client.get(reverse("casework:subject_access", args=[patient.pk, file_format]))


def test_the_json_holds_everything_about_the_person(client_for, manager, person):
    response = _export(client_for(manager), person, "json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "O'Hara" not in response["Content-Disposition"]
    held = json.loads(response.content)
    assert held["person"]["family_name"] == "O'Hara" and held["person"]["nhs_number"] == person.nhs_number
    assert len(held["consent_history"]) >= 2 and held["consent_history"][-1]["consent_how"] == "phone"
    [referral] = held["referrals"]
    assert referral["reason"] == "Lonely since <b>moving</b>" and referral["gp_letter"] == "codes"
    assert referral["visits"][0]["notes"] == "Keen on the lunch club"
    assert referral["star_readings"][0]["kind"] == "baseline"
    assert len(referral["onward_referrals"]) == 1 and len(referral["spot_purchases"]) == 1
    assert referral["codes_for_the_gp_record"][0]["concept_id"] == "871731000000106"
    assert held["hospital_episodes"][0]["episode_type"] == "ae_attendance"
    assert "idempotency_key" not in referral


def test_the_export_is_in_the_access_log_and_the_log_in_the_export(client_for, manager, person):
    _export(client_for(manager), person, "json")
    event = AccessEvent.objects.get(patient_id=person.pk, user=manager)
    assert event.action == "exported" and event.what == "subject access export (json)"
    held = json.loads(_export(client_for(manager), person, "json").content)
    assert any(entry["what"] == "Exported or downloaded: subject access export (json)"
               for entry in held["who_has_seen_the_record"])


def test_the_pdf_is_a_readable_pdf(client_for, manager, person):
    response = _export(client_for(manager), person, "pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert AccessEvent.objects.filter(patient_id=person.pk, what="subject access export (pdf)").exists()


def test_the_readable_form_escapes_what_it_holds(person):
    from casework.subject_access import as_html, subject_access

    html = as_html(subject_access(person))
    assert "Lonely since &lt;b&gt;moving&lt;/b&gt;" in html and "<b>moving" not in html


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "commissioner", "provider_staff"])
def test_only_the_manager_may_export(request, client_for, persona, person):
    assert _export(client_for(request.getfixturevalue(persona)), person, "json").status_code == 404


def test_an_unknown_format_or_person_is_404(client_for, manager, person):
    assert _export(client_for(manager), person, "docx").status_code == 404
    assert client_for(manager).get(reverse("casework:subject_access", args=[999999, "json"])).status_code == 404


def test_the_export_takes_the_same_queries_however_much_is_held(client_for, manager, person, adviser_a,
                                                               django_assert_num_queries):
    client = client_for(manager)
    _export(client, person, "json")
    with django_assert_num_queries(18) as counted:
        _export(client, person, "json")
    for _ in range(3):
        referral = ReferralFactory(patient=person, status=Status.CLOSED, adviser=adviser_a)
        OnwardReferralFactory(referral=referral)
        reading(referral, "baseline", today() - dt.timedelta(days=5))
    with django_assert_num_queries(len(counted.captured_queries)):
        assert len(json.loads(_export(client, person, "json").content)["referrals"]) == 4
