"""A home visit recorded with the keyboard alone, from signing in to the saved star (issue 12)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from outcomes.models import StarReading
from outcomes.star import AREA_KEYS
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.tests.keyboard import press_and_follow, sign_in_by_keyboard, tab_to

pytestmark = pytest.mark.browser


def test_an_adviser_records_a_home_visit_without_a_mouse(page: Page, live_server, adviser_a):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), patient__given_name="Dorothy",
                               patient__family_name="Hague", status=Status.ACCEPTED, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=10), needs=[])
    page.set_viewport_size({"width": 768, "height": 1024})  # the tablet taken on visits
    sign_in_by_keyboard(page, live_server.url, adviser_a.username, "correct horse battery")
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    tab_to(page, f'a[href="/outcomes/visit/{referral.pk}/"]')
    press_and_follow(page)
    expect(page.get_by_role("heading", name="Visit: Dorothy Hague")).to_be_visible()
    for key in AREA_KEYS:  # each area's scores are a radio group: Space picks the first, arrows move on
        tab_to(page, f'input[name="{key}"]')
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
    tab_to(page, 'input[name="needs"][value="befriending"]')
    page.keyboard.press("Space")
    tab_to(page, "#id_notes")
    page.keyboard.type("Lives alone; would like company.")
    tab_to(page, 'main button.btn-primary[type="submit"]')  # Save the visit
    press_and_follow(page)
    expect(page.get_by_text("Home visit recorded with the baseline star.")).to_be_visible()
    reading = StarReading.objects.get(referral=referral)
    assert reading.scores == dict.fromkeys(AREA_KEYS, 3)
    assert reading.assessment.needs == ["befriending"] and reading.assessment.notes.startswith("Lives alone")
