"""The manager assigns a referral at national size, in a real browser (Chromium): the list offers the lightest
caseloads, each with its count (issue 12); an adviser not offered is found by name and assigned (issue 13)."""

import pytest
from playwright.sync_api import Page, expect

from referrals.models import Referral, Status
from referrals.selectors import ADVISERS_OFFERED
from referrals.tests.factories import ReferralFactory
from sps.tests.axe import violations
from sps.tests.factories import AdviserFactory

pytestmark = pytest.mark.browser


def test_the_manager_finds_an_adviser_by_name_and_assigns(page: Page, live_server, sign_in, manager):
    for i in range(ADVISERS_OFFERED + 2):
        AdviserFactory(first_name="Adviser", last_name=f"Number{i:02d}")
    philippa = AdviserFactory(first_name="Philippa", last_name="Quartermaine")
    for _ in range(2):  # the busiest: not among the lightest offered
        ReferralFactory(adviser=philippa, status=Status.ACTIVE)
    referral = ReferralFactory(status=Status.RECEIVED, patient__given_name="Dorothy", patient__family_name="Hague")
    sign_in(page, manager)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")

    adviser = page.get_by_role("combobox", name="Adviser")
    expect(adviser.locator("option")).to_have_count(ADVISERS_OFFERED + 1)  # and "Choose an adviser"
    expect(adviser.locator("option").nth(1)).to_have_text("Adviser Number00 (0 open referrals)")
    expect(adviser.locator("option", has_text="Quartermaine")).to_have_count(0)

    page.get_by_role("searchbox", name="Find an adviser").fill("phil quarter")
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(f"{live_server.url}/referrals/{referral.pk}/?find_adviser=phil+quarter#assign")
    expect(page.get_by_text("Advisers whose name matches “phil quarter”")).to_be_visible()
    expect(adviser.locator("option")).to_have_text(["Choose an adviser", "Philippa Quartermaine (2 open referrals)"])
    assert not violations(page)
    adviser.select_option(label="Philippa Quartermaine (2 open referrals)")
    page.get_by_role("button", name="Assign", exact=True).click()

    expect(page.get_by_text("Referral assigned to Philippa Quartermaine.")).to_be_visible()
    assert Referral.objects.get(pk=referral.pk).adviser == philippa
    # Assigned, she is offered first (and chosen) with the lightest, whatever is searched for.
    expect(adviser.locator("option").nth(1)).to_have_text("Philippa Quartermaine (3 open referrals)")
    expect(adviser).to_have_value(str(philippa.pk))


def test_a_search_too_long_is_shown_in_the_error_summary(page: Page, live_server, sign_in, manager):
    referral = ReferralFactory(status=Status.RECEIVED)
    sign_in(page, manager)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/?find_adviser={'x' * 101}")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Find an adviser: The adviser's name must be 100 characters or fewer: "
                                            "you entered 101.")).to_have_attribute("href", "#id_find_adviser")
    assert not violations(page)
