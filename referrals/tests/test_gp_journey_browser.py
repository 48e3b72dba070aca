"""The GP journey in a real browser (Chromium): log in, add a patient, submit a referral, see it listed."""

import pytest
from playwright.sync_api import Page, expect

from referrals.models import Referral, Status

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
    page.get_by_role("button", name="Save and continue to the referral").click()

    expect(page.get_by_role("heading", name="Refer Dorothy Hague")).to_be_visible()
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
