"""Consent and contact details, kept by those supporting the person (issue 12: consent could be recorded only in
the admin, and the adviser could not correct a phone number or address): from the referral page, with who, when
and how, and every change in history. GP staff keep what they had: they give consent when they refer."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from referrals.models import ConsentHow, GpLetter, Patient, Referral, Status
from referrals.services import patient_contact_update
from referrals.tests.factories import PatientFactory, ReferralFactory
from referrals.tests.test_referral_create import GOOD
from sps.lib.dates import today

CONSENT = {"consent_referral": "yes", "consent_share": "yes", "gp_letter": "codes", "how": "phone",
           "given_on": (today() - dt.timedelta(days=1)).isoformat()}
CONTACT = {"address": "12 Church Lane\nWickersley", "postcode": "s66 1aa", "phone": "+44 7911 123456"}


@pytest.fixture
def referral(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ACCEPTED,
                           adviser=adviser_a, patient__consent_share=False, patient__family_name="Hague")


def _consent_url(referral):
    return reverse("referrals:consent", args=[referral.pk])


def _contact_url(referral):
    return reverse("referrals:contact", args=[referral.pk])


@pytest.mark.parametrize("persona", ["adviser_a", "manager"])
def test_the_referral_page_leads_to_consent_and_contact_details(request, client_for, persona, referral):
    page = client_for(request.getfixturevalue(persona)).get(reverse("casework:referral", args=[referral.pk])).text
    assert _consent_url(referral) in page and _contact_url(referral) in page


def test_gp_staff_are_not_offered_them(client_for, gp_a, referral):
    page = client_for(gp_a).get(reverse("casework:referral", args=[referral.pk])).text
    assert _consent_url(referral) not in page and _contact_url(referral) not in page


@pytest.mark.parametrize("persona", ["adviser_a", "manager"])
def test_consent_is_recorded_with_who_when_and_how(request, client_for, persona, referral):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    form = client.get(_consent_url(referral))
    assert form.status_code == 200 and "Record consent for" in form.text
    response = client.post(_consent_url(referral), CONSENT, follow=True)
    assert f"Consent recorded for {escape(referral.patient)}" in response.text
    patient = Patient.objects.get(pk=referral.patient_id)
    assert (patient.consent_referral, patient.consent_share, patient.consent_how, patient.consent_given_on,
            patient.consent_recorded_by) == (True, True, ConsentHow.PHONE, today() - dt.timedelta(days=1), user)
    assert patient.history.first().history_user == user
    page = client.get(_consent_url(referral)).text
    assert "Spoken, by phone" in page and f"recorded by {escape(user)}" in page


def test_consent_history_keeps_each_change(client_for, adviser_a, manager, referral):
    client_for(adviser_a).post(_consent_url(referral), CONSENT)
    client_for(manager).post(_consent_url(referral), {**CONSENT, "consent_share": "no", "how": "written"})
    page = client_for(adviser_a).get(_consent_url(referral)).text
    history = page[page.index("Consent history"):]
    assert history.index("In writing") < history.index("Spoken, by phone")  # newest first
    assert f"recorded by {escape(manager)}" in history and f"recorded by {escape(adviser_a)}" in history
    assert not Patient.objects.get(pk=referral.patient_id).consent_share


@pytest.mark.parametrize(("field", "value", "message"), [
    ("consent_share", "", "Choose whether the person agrees to their details being shared."),
    ("how", "", "Choose how the person gave consent."),
    ("gp_letter", "", "Choose what their GP practice may be sent."),
    ("gp_letter", "everything", "Choose what their GP practice may be sent from the list."),
    ("how", "telepathy", "Choose how the person gave consent from the list."),
    ("given_on", (today() + dt.timedelta(days=1)).isoformat(), "The date consent was given cannot be in the future."),
    ("given_on", "31/02/2026", "Enter the date consent was given as a real date"),
])
def test_consent_with_bad_input_writes_nothing(client_for, adviser_a, referral, field, value, message):
    response = client_for(adviser_a).post(_consent_url(referral), {**CONSENT, field: value})
    assert response.status_code == 200 and message in response.text and "data-error-summary" in response.text
    assert referral.patient.history.count() == 1
    assert Referral.objects.get(pk=referral.pk).gp_letter == ""


def test_what_the_gp_practice_may_be_sent_is_chosen_per_referral_with_history(client_for, adviser_a, referral):
    page = client_for(adviser_a).get(_consent_url(referral)).text
    assert "nothing beyond the referral code (not asked yet)" in page
    assert referral.gp_letter_shared == GpLetter.REFERRAL_CODE
    client_for(adviser_a).post(_consent_url(referral), {**CONSENT, "gp_letter": "full"})
    referral.refresh_from_db()
    assert referral.gp_letter == referral.gp_letter_shared == GpLetter.FULL
    assert referral.history.first().history_user == adviser_a
    assert "the full letter" in client_for(adviser_a).get(_consent_url(referral)).text


def test_a_gp_referral_records_consent_as_given_to_the_practice(client_for, gp_a):
    patient = PatientFactory(practice=gp_a.practice, consent_referral=False, consent_share=False)
    client_for(gp_a).post(reverse("referrals:create", args=[patient.pk]), GOOD)
    patient.refresh_from_db()
    assert (patient.consent_referral, patient.consent_share, patient.consent_how, patient.consent_recorded_by,
            patient.consent_given_on) == (True, True, ConsentHow.GP_PRACTICE, gp_a, today())


@pytest.mark.parametrize("persona", ["adviser_a", "manager"])
def test_contact_details_are_corrected_with_history(request, client_for, persona, referral):
    user = request.getfixturevalue(persona)
    old_phone = referral.patient.phone
    client = client_for(user)
    assert client.get(_contact_url(referral)).status_code == 200
    response = client.post(_contact_url(referral), CONTACT, follow=True)
    assert f"Contact details of {escape(referral.patient)} saved" in response.text
    patient = Patient.objects.get(pk=referral.patient_id)
    assert (patient.address, patient.postcode, patient.phone) == ("12 Church Lane\nWickersley", "S66 1AA",
                                                                  "07911 123456")
    latest = patient.history.first()
    assert latest.history_user == user and latest.prev_record.phone == old_phone
    page = response.text
    assert "07911 123456" in page and f"{old_phone} &rarr; 07911 123456" in page  # in the list of changes


@pytest.mark.parametrize(("field", "value", "message"), [
    ("address", "", "Enter the patient&#x27;s address: the adviser visits them there."),
    ("address", "x" * 501, "The address must be 500 characters or fewer: you entered 501."),
    ("phone", "call me maybe", "Enter the phone number as a UK number"),
    ("postcode", "XX1", "XX1 is not a UK postcode"),
])
def test_contact_details_with_bad_input_write_nothing(client_for, adviser_a, referral, field, value, message):
    response = client_for(adviser_a).post(_contact_url(referral), {**CONTACT, field: value})
    assert response.status_code == 200 and message in response.text and "data-error-summary" in response.text
    assert referral.patient.history.count() == 1
    assert Referral.objects.get(pk=referral.pk).gp_letter == ""


@pytest.mark.parametrize("persona", ["gp_a", "gp_b", "adviser_other", "provider_staff", "commissioner"])
def test_the_wrong_person_gets_404_and_nothing_changes(request, client_for, persona, referral):
    client = client_for(request.getfixturevalue(persona))
    for url, data in [(_consent_url(referral), CONSENT), (_contact_url(referral), CONTACT)]:
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert referral.patient.history.count() == 1
    assert Referral.objects.get(pk=referral.pk).gp_letter == ""


def test_nobody_signed_in_is_sent_to_sign_in(client, referral):
    for url in [_consent_url(referral), _contact_url(referral)]:
        assert client.post(url, CONSENT).url == f"{reverse('login')}?next={url}"
    assert referral.patient.history.count() == 1
    assert Referral.objects.get(pk=referral.pk).gp_letter == ""


def test_the_contact_service_refuses_a_phone_that_is_not_one(adviser_a, referral):
    with pytest.raises(ValidationError, match="UK number"):
        patient_contact_update(referral=referral, by=adviser_a, address="1 High Street", postcode="S65 1AB",
                               phone="call me maybe")
    assert patient_contact_update(referral=referral, by=adviser_a, address="1 High Street", postcode="S65 1AB",
                                  phone="+441709123456").phone == "01709 123456"
