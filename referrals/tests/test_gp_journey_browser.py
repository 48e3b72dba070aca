"""The GP journey in a real browser (Chromium): log in, add a patient, submit a referral, see it listed; what a
form says when something is wrong; withdrawing; a patient registered at another practice."""

import pytest
from playwright.sync_api import Page, expect

from referrals.models import Referral, Status
from referrals.tests.factories import PatientFactory, ReferralFactory
from sps.tests.axe import violations

pytestmark = pytest.mark.browser


def test_gp_adds_a_patient_refers_them_and_sees_the_referral_listed(page: Page, live_server, gp_a, gp_b):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(gp_a.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"{gp_a.practice.name}: referrals")).to_be_visible()

    page.get_by_role("link", name="New referral").first.click()
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Find patient").click()
    expect(page.get_by_text("No patient with NHS number 943 476 5919 is registered at your practice")).to_be_visible()
    page.get_by_role("link", name="Add the patient").click()

    expect(page.get_by_label("NHS number")).to_have_value("9434765919")
    page.get_by_label("Given name").fill("Dorothy")
    page.get_by_label("Family name").fill("Hague")
    page.get_by_label("Date of birth").fill("1938-03-14")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Postcode").fill("s65 2ab")
    page.get_by_label("Phone").fill("call me maybe")
    page.get_by_role("button", name="Save and continue to the referral").click()

    # Nothing saved: the error summary has the focus and links to each field to fix.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    summary.get_by_role("link", name="Enter the patient's address").click()
    expect(page.get_by_label("Address")).to_be_focused()
    page.get_by_label("Address").fill("12 Church Lane, Wickersley, Rotherham")
    expect(summary.get_by_role("link", name="Enter the phone number as a UK number")).to_have_attribute(
        "href", "#id_phone")
    page.get_by_label("Phone").fill("+44 (0)1709 123-456")
    page.get_by_role("button", name="Save and continue to the referral").click()

    expect(page.get_by_role("heading", name="Refer Dorothy Hague")).to_be_visible()
    page.get_by_role("button", name="Send referral").click()  # nothing filled in yet
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    for name, field in [("Enter the reason for referral.", "#id_reason"),
                        ("Choose at least one of the needs.", "#id_needs_0"),
                        ("The patient must agree to the referral before it is sent.", "#id_consent_referral")]:
        expect(summary.get_by_role("link", name=name)).to_have_attribute("href", field)
    assert not violations(page)
    summary.get_by_role("link", name="Choose at least one of the needs.").click()
    expect(page.get_by_label("Befriending")).to_be_focused()
    page.get_by_label("Reason for referral").fill("Lives alone since her husband died; two falls this winter.")
    page.get_by_label("Befriending").check()
    page.get_by_label("Community transport").check()
    page.get_by_label("The patient agrees to be referred").check()
    page.get_by_role("button", name="Send referral").click()

    expect(page.get_by_text("Referral for Dorothy Hague sent")).to_be_visible()
    expect(page.get_by_text("Referral received", exact=True)).to_be_visible()
    page.get_by_role("link", name="Referrals", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Dorothy Hague")
    expect(row).to_contain_text("943 476 5919")
    expect(row).to_contain_text("Received")

    referral = Referral.objects.get()
    assert (referral.status, referral.practice, referral.patient.postcode) == (Status.RECEIVED, gp_a.practice,
                                                                               "S65 2AB")
    assert referral.patient.phone == "01709 123456"


def test_gp_withdraws_after_a_confirmation_page_that_asks_why(page: Page, live_server, sign_in, gp_a):
    referral = ReferralFactory(patient__practice=gp_a.practice, patient__given_name="Dorothy",
                               patient__family_name="Hague")
    sign_in(page, gp_a)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    page.get_by_role("link", name="Withdraw referral").click()

    expect(page.get_by_role("heading", name="Withdraw the referral for Dorothy Hague")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED  # opening the page withdrew nothing
    page.get_by_role("button", name="Withdraw referral").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Enter the reason for withdrawing the referral.")).to_have_attribute(
        "href", "#id_reason")
    assert not violations(page)

    page.get_by_label("Reason for withdrawing").fill("Referred in error: wrong patient.")
    page.get_by_role("button", name="Withdraw referral").click()
    expect(page.get_by_text("Referral withdrawn.")).to_be_visible()
    expect(page.get_by_text("Withdrawn by the practice: Referred in error: wrong patient.")).to_be_visible()
    referral.refresh_from_db()
    assert (referral.status, referral.withdraw_reason) == (Status.WITHDRAWN, "Referred in error: wrong patient.")


def test_a_patient_registered_elsewhere_is_said_at_the_search_and_the_manager_moves_them(
        page: Page, live_server, sign_in, gp_a, gp_b, manager):
    PatientFactory(practice=gp_b.practice, nhs_number="9434765919", given_name="Dorothy", family_name="Hague")
    sign_in(page, gp_a)
    page.goto(f"{live_server.url}/referrals/new/")
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Find patient").click()
    expect(page.get_by_text("belongs to a patient registered at another practice")).to_be_visible()
    expect(page.get_by_text("Hague")).to_have_count(0)
    expect(page.get_by_role("link", name="Add the patient")).to_have_count(0)
    assert not violations(page)
    page.get_by_role("link", name="Ask the manager to move the patient").click()
    page.get_by_label("Why should the patient be moved to your practice?").fill("Registered with us on 01/10/2026.")
    assert not violations(page)
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request was sent to the service manager")).to_be_visible()

    sign_in(page, manager)
    page.goto(f"{live_server.url}/referrals/")
    page.get_by_role("link", name="1 request from practices to move a patient").click()
    row = page.get_by_role("row").filter(has_text="Dorothy Hague")
    expect(row).to_contain_text(gp_b.practice.name)
    expect(row).to_contain_text("Registered with us on 01/10/2026.")
    assert not violations(page)
    row.get_by_role("button", name=f"Move Dorothy Hague to {gp_a.practice.name}").click()
    expect(page.get_by_text(f"Dorothy Hague moved to {gp_a.practice.name}")).to_be_visible()

    sign_in(page, gp_a)
    page.goto(f"{live_server.url}/referrals/new/")
    page.get_by_label("NHS number").fill("9434765919")
    page.get_by_role("button", name="Find patient").click()
    expect(page.get_by_role("link", name="Refer this patient")).to_be_visible()


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a"])
def test_one_long_word_does_not_widen_the_page(request, page: Page, live_server, sign_in, persona, adviser_a):
    """A 36,000-character word in a reason made the referral page 36,000 px wide (issue 12)."""
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), reason="x" * 36_000,
                               needs_detail="y" * 2000)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, request.getfixturevalue(persona))
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    expect(page.get_by_text("Referral received", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
