"""The GP forms after the first week of real use (issue 12): a phone number must be one, the address is required,
no free text is unbounded; and what went wrong is said in plain English naming the field, in an error summary at
the top of the form, never in Django's default words."""

import pytest
from django import forms
from django.urls import reverse

import referrals.forms
from referrals.models import Patient, Referral, Status
from referrals.tests.factories import PatientFactory, ReferralFactory
from referrals.tests.test_referral_create import GOOD
from referrals.tests.test_referral_views import PATIENT
from sps.phone import normalise_uk_phone
from sps.plain import PlainErrors
from sps.tests.fuzzing import form_classes

# Django's defaults that leaked through to the GP forms, and the old NHS number message.
DJANGO_DEFAULTS = ["This field is required", "Ensure this value", "Ensure that there are no more than",
                   "Select a valid choice", "Enter a whole number", "Enter a valid date", "Enter a number",
                   "fails the NHS number check", "is not 10 digits"]


def _add_patient(client, **changes):
    return client.post(reverse("referrals:patient_create"), {**PATIENT, **changes})


# Data quality: phone numbers, the address, the length of free text.

@pytest.mark.parametrize("phone", ["call me maybe", "999", "01709", "+1 212 555 0100", "07911 123456 ext 2"])
def test_a_phone_number_that_is_not_a_uk_one_is_refused(client_for, gp_a, phone):
    response = _add_patient(client_for(gp_a), phone=phone)
    assert "Enter the phone number as a UK number, like 01709 123456 or 07911 123456." in response.text
    assert not Patient.objects.exists()


@pytest.mark.parametrize(("typed", "kept"), [
    ("01709 123456", "01709 123456"), ("+44 (0)1709 123-456", "01709 123456"), ("0044 1709123456", "01709 123456"),
    ("07911123456", "07911 123456"), ("", ""),
])
def test_phone_numbers_are_kept_one_way(client_for, gp_a, typed, kept):
    _add_patient(client_for(gp_a), phone=typed)
    assert Patient.objects.get().phone == kept


def test_normalise_uk_phone():
    assert normalise_uk_phone("+44 7911 123456") == "07911 123456"
    assert normalise_uk_phone("call me maybe") is None
    assert normalise_uk_phone("") is None


def test_the_address_is_required(client_for, gp_a):
    response = _add_patient(client_for(gp_a), address="  ")
    assert "Enter the patient&#x27;s address: the adviser visits them there." in response.text
    assert not Patient.objects.exists()


def test_a_45000_character_reason_is_refused_plainly(client_for, gp_a):
    patient = PatientFactory(practice=gp_a.practice)
    response = client_for(gp_a).post(reverse("referrals:create", args=[patient.pk]), {**GOOD, "reason": "x" * 45_000})
    assert "The reason for referral must be 2,000 characters or fewer: you entered 45,000." in response.text
    assert not Referral.objects.exists()


def test_a_long_address_is_refused_plainly(client_for, gp_a):
    response = _add_patient(client_for(gp_a), address="Flat 1, " + "a" * 692)
    assert "The address must be 500 characters or fewer: you entered 700." in response.text
    assert not Patient.objects.exists()


def _bound(cls):
    """Each form of the module, made the way its view makes it."""
    extra = {"ReferralEditForm": {"instance": Referral()}}
    return cls(**extra.get(cls.__name__, {}))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(form_classes(referrals.forms)))
def test_every_free_text_field_of_a_referrals_form_has_a_limit(name):
    form = _bound(form_classes(referrals.forms)[name])
    for field_name, field in form.fields.items():
        if isinstance(field, forms.CharField):
            assert field.max_length and field.max_length <= 2000, (name, field_name)


# Plain messages naming the field.

@pytest.mark.parametrize(("typed", "message"), [
    ("9434765918", "Enter the NHS number as 10 digits, like 943 476 5919: this one&#x27;s check digit is wrong"),
    ("943 476 591", "Enter the NHS number as 10 digits, like 943 476 5919."),
    ("943 476 5919 943 476 5919", "Enter the NHS number as 10 digits, like 943 476 5919."),
    ("1111111111", "1111111111 is not a real NHS number (all its digits are the same)"),
])
@pytest.mark.parametrize("url", ["referrals:find_patient", "referrals:patient_create"])
def test_nhs_number_messages_say_what_to_do(client_for, gp_a, typed, message, url):
    page = client_for(gp_a).post(reverse(url), {**PATIENT, "nhs_number": typed}).text
    assert message in page
    assert "fails the NHS number check" not in page and "is not 10 digits" not in page
    assert not Patient.objects.exists()


@pytest.fixture
def received(gp_a, adviser_a):
    return ReferralFactory(patient__practice=gp_a.practice)


@pytest.fixture
def supported(adviser_a, gp_a):
    return ReferralFactory(patient__practice=gp_a.practice, status=Status.ASSESSED, adviser=adviser_a)


BAD = {"reason": "", "needs": "gardening", "risk_score": "1000000000", "mdt_date": "31/02/2025",
       "nhs_number": "abc", "given_name": "", "date_of_birth": "yesterday", "sex": "Q", "postcode": "",
       "note": "x" * 3000, "closed_date": "", "version": "1", "urgency": "soon", "source": "fax"}


def _pages(gp_a, adviser_a, received, supported):
    patient = PatientFactory(practice=gp_a.practice)
    return [
        (gp_a, reverse("referrals:find_patient")),
        (gp_a, reverse("referrals:patient_create")),
        (gp_a, reverse("referrals:create", args=[patient.pk])),
        (gp_a, reverse("referrals:withdraw", args=[received.pk])),
        (adviser_a, reverse("referrals:decline", args=[received.pk])),
        (adviser_a, reverse("referrals:edit", args=[supported.pk])),
    ]


def test_every_gp_form_has_an_error_summary_and_no_django_default(client_for, gp_a, adviser_a, received,
                                                                   supported):
    for user, url in _pages(gp_a, adviser_a, received, supported):
        page = client_for(user).post(url, BAD).text
        assert "data-error-summary" in page, url
        assert page.index("data-error-summary") < page.index('id="id_'), url  # at the top of the form
        for default in DJANGO_DEFAULTS:
            assert default not in page, (url, default)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reason", "", "Enter the reason for referral."),
    ("needs", "gardening", "Choose the needs from the list."),
    ("risk_score", "101", "Enter the risk-stratification score as a whole number from 0 to 100."),
    ("risk_score", "1e309", "Enter the risk-stratification score as a whole number from 0 to 100."),
    ("mdt_date", "31/02/2025", "Enter the MDT meeting date as a real date, like 14/03/1938."),
    ("urgency", "soon", "Choose the urgency from the list."),
])
def test_referral_form_messages_name_the_field(client_for, gp_a, field, value, message):
    patient = PatientFactory(practice=gp_a.practice)
    page = client_for(gp_a).post(reverse("referrals:create", args=[patient.pk]), {**GOOD, field: value}).text
    assert message in page
    assert not Referral.objects.exists()


def test_a_form_keeps_a_message_of_its_own():
    class Form(PlainErrors, forms.Form):
        agreed = forms.BooleanField(error_messages={"required": "The patient must agree first."})
        name = forms.CharField(label="Given name")

    form = Form({})
    assert form.errors == {"agreed": ["The patient must agree first."], "name": ["Enter the given name."]}
