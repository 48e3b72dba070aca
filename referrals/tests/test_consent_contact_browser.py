"""The adviser records consent and corrects a phone number from the referral page, in a real browser (Chromium)."""

import pytest
from playwright.sync_api import Page, expect

from referrals.models import ConsentHow, Patient, Status
from referrals.tests.factories import ReferralFactory
from sps.tests.axe import violations

pytestmark = pytest.mark.browser


def test_adviser_records_consent_and_corrects_the_phone(page: Page, live_server, sign_in, adviser_a):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ACCEPTED,
                               adviser=adviser_a, patient__given_name="Dorothy", patient__family_name="Hague",
                               patient__consent_share=False)
    sign_in(page, adviser_a)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")

    page.get_by_role("link", name="Record consent").click()
    expect(page.get_by_role("heading", name="Record consent for Dorothy Hague")).to_be_visible()
    page.get_by_role("group", name="Does the person agree to be referred").get_by_label("Yes").check()
    page.get_by_role("group", name="Does the person agree that their details may be shared").get_by_label(
        "Yes").check()
    page.get_by_role("button", name="Save consent").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Choose how the person gave consent.")).to_have_attribute(
        "href", "#id_how_0")
    assert not violations(page)
    page.get_by_label("Spoken, by phone").check()
    page.get_by_role("group", name="What may their GP practice be sent").get_by_label("The codes only").check()
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_text("Consent recorded for Dorothy Hague.")).to_be_visible()

    page.get_by_role("link", name="Edit contact details").click()
    page.get_by_label("Phone").fill("call me maybe")
    page.get_by_role("button", name="Save contact details").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)  # the phone, and the address an older record lacks
    assert not violations(page)
    page.get_by_label("Address").fill("12 Church Lane, Wickersley")
    page.get_by_label("Phone").fill("07911123456")
    page.get_by_role("button", name="Save contact details").click()
    expect(page.get_by_text("Contact details of Dorothy Hague saved.")).to_be_visible()
    expect(page.get_by_text("07911 123456").first).to_be_visible()

    patient = Patient.objects.get(pk=referral.patient_id)
    assert (patient.consent_share, patient.consent_how, patient.consent_recorded_by, patient.phone) == (
        True, ConsentHow.PHONE, adviser_a, "07911 123456")
    referral.refresh_from_db()
    assert referral.gp_letter == "codes"
