"""In a real browser: the adviser closes a referral with an onward referral still sent and a spot purchase still
awaiting approval; the close form says both will be withdrawn; afterwards the provider's inbox no longer holds it
open and the manager has nothing to approve (issue 12)."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from providers.models import OnwardStatus
from providers.tests.factories import OnwardReferralFactory, ServiceFactory, SpotPurchaseFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

pytestmark = pytest.mark.browser


def test_closing_withdraws_the_onward_referral_and_the_spot_purchase(page: Page, live_server, sign_in, adviser_a,
                                                                     provider_staff, manager):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), patient__given_name="Dorothy",
                               patient__family_name="Hague", status=Status.ACTIVE, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=30))
    sent = today() - dt.timedelta(days=10)
    OnwardReferralFactory(referral=referral, service=ServiceFactory(provider=provider_staff.provider,
                                                                    name="Telephone befriending"),
                          made_date=sent, sent_date=sent)
    SpotPurchaseFactory(referral=referral, requested_by=adviser_a, description="Taxi to the lunch club",
                        requested_date=sent)

    sign_in(page, adviser_a)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    page.get_by_role("link", name="Close", exact=True).click()
    still_open = page.get_by_role("region", name="Still open: closing withdraws these")
    expect(still_open).to_contain_text(f"Onward referral to Telephone befriending (Rother Valley Befriending Scheme): "
                                       f"sent {sent:%d/%m/%Y}, not yet answered. The provider will be told it is "
                                       "withdrawn.")
    expect(still_open).to_contain_text("Spot purchase: Taxi to the lunch club")
    expect(still_open).to_contain_text("awaiting approval")
    page.get_by_label("Reason").select_option("goals_met")
    page.get_by_role("button", name="Close the referral and withdraw these").click()
    expect(page.get_by_text("Referral closed.")).to_be_visible()

    sign_in(page, provider_staff)
    page.goto(f"{live_server.url}/providers/inbox/")
    expect(page.get_by_role("region", name="Referral of Dorothy Hague")).to_have_count(0)
    page.goto(f"{live_server.url}/providers/inbox/?status=all")
    expect(page.get_by_role("region", name="Referral of Dorothy Hague")).to_contain_text("Withdrawn")

    sign_in(page, manager)
    page.goto(f"{live_server.url}/providers/spot-purchases/")
    row = page.get_by_role("row").filter(has_text="Taxi to the lunch club")
    expect(row).to_contain_text(f"Withdrawn {today():%d/%m/%Y}")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    assert referral.onward_referrals.get().status == OnwardStatus.WITHDRAWN
