"""A GP referral made with the keyboard alone, from signing in to the referral listed (issue 12): every field and
button reached with Tab, choices made with Space and the arrow keys, forms sent with Enter."""

import pytest
from playwright.sync_api import Page, expect

from referrals.models import Referral, Status
from sps.tests.keyboard import press_and_follow, sign_in_by_keyboard, tab_to

pytestmark = pytest.mark.browser


def _type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_a_gp_refers_a_new_patient_without_a_mouse(page: Page, live_server, gp_a):
    sign_in_by_keyboard(page, live_server.url, gp_a.username, "correct horse battery")
    expect(page.get_by_role("heading", name=f"{gp_a.practice.name}: referrals")).to_be_visible()
    tab_to(page, 'main a[href="/referrals/new/"]')
    press_and_follow(page)
    _type_into(page, "#id_nhs_number", "943 476 5919")
    press_and_follow(page)
    expect(page.get_by_text("No patient with NHS number 943 476 5919 is registered at your practice")).to_be_visible()
    tab_to(page, 'main a[href^="/referrals/patients/new/"]')  # Add the patient
    press_and_follow(page)

    expect(page.locator("#id_given_name")).to_be_visible()
    _type_into(page, "#id_given_name", "Dorothy")
    _type_into(page, "#id_family_name", "Hague")
    tab_to(page, "#id_date_of_birth")
    # A date field takes its parts typed in turn, in the order of the browser's language (day first in en-GB;
    # this machine's Chromium has no en-GB locale data): a day that is also the month reads alike either way.
    page.keyboard.type("05051938")
    tab_to(page, "#id_sex")
    page.keyboard.type("F")  # a select takes the first letter of its option
    _type_into(page, "#id_postcode", "S65 2AB")
    _type_into(page, "#id_address", "12 Church Lane, Wickersley, Rotherham")
    _type_into(page, "#id_phone", "01709 123456")
    tab_to(page, 'main button[type="submit"]')
    press_and_follow(page)

    expect(page.get_by_role("heading", name="Refer Dorothy Hague")).to_be_visible()
    _type_into(page, "#id_reason", "Lives alone since her husband died; two falls this winter.")
    tab_to(page, 'input[name="needs"][value="befriending"]')
    page.keyboard.press("Space")
    tab_to(page, "#id_consent_referral")
    page.keyboard.press("Space")
    tab_to(page, 'main button[type="submit"]')
    press_and_follow(page)

    expect(page.get_by_text("Referral for Dorothy Hague sent")).to_be_visible()
    referral = Referral.objects.get()
    assert (referral.status, referral.needs, referral.patient.date_of_birth.isoformat()) == (
        Status.RECEIVED, ["befriending"], "1938-05-05")
