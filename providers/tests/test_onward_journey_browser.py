"""In a real browser: an adviser finds a service with room and refers the person on; the provider's staff accept
it and record its start; the manager's dashboard shows it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from providers.models import Grant, OnwardReferral, OnwardStatus, Service
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

pytestmark = pytest.mark.browser


def test_adviser_refers_on_provider_accepts_and_starts_dashboard_counts_it(
        page: Page, live_server, sign_in, adviser_a, provider_staff, manager):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), patient__given_name="Dorothy",
                               patient__family_name="Hague", status=Status.ACCEPTED, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=20), needs=["befriending"])
    full = Service.objects.create(provider=provider_staff.provider, code="FULL", name="Home visiting befriender",
                                  category="befriending", capacity=1)
    OnwardReferral.objects.create(referral=ReferralFactory(status=Status.ACTIVE), service=full, kind="commissioned",
                                  status=OnwardStatus.STARTED, made_date=today())
    roomy = Service.objects.create(provider=provider_staff.provider, code="PHONE", name="Telephone befriending",
                                   category="befriending", capacity=5)
    grant = Grant.objects.create(ref="G1", provider=provider_staff.provider, amount=12000,
                                 start_date=today() - dt.timedelta(days=100), end_date=today() + dt.timedelta(days=265),
                                 target_referrals=30)
    grant.services.set([full, roomy])

    sign_in(page, adviser_a)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    page.get_by_role("link", name="Find a service").click()
    page.get_by_label("Only services with room now").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("row").filter(has_text="Home visiting befriender")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Telephone befriending")
    expect(row).to_contain_text("5 of 5")
    expect(row).to_contain_text("Commissioned")
    row.get_by_role("link", name="Refer").click()
    page.get_by_label("What the provider needs to know").fill("Prefers calls in the morning.")
    page.get_by_role("button", name="Make the onward referral").click()
    expect(page.get_by_text("Referred on to Telephone befriending.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Active")

    sign_in(page, provider_staff)
    card = page.get_by_role("region", name="Referral of Dorothy Hague")
    expect(card).to_contain_text("Prefers calls in the morning.")
    card.get_by_label("Mark as").select_option("accepted")
    card.get_by_role("button", name="Save").click()
    expect(page.get_by_text("marked accepted")).to_be_visible()
    card = page.get_by_role("region", name="Referral of Dorothy Hague")
    card.get_by_label("Mark as").select_option("started")
    card.get_by_role("button", name="Save").click()
    expect(page.get_by_text("marked started")).to_be_visible()

    sign_in(page, manager)
    page.goto(f"{live_server.url}/providers/dashboard/")
    grant_row = page.get_by_role("row").filter(has_text="G1")
    expect(grant_row).to_contain_text(re.compile(r"Home visiting befriender, Telephone befriending"))
    expect(grant_row.get_by_role("cell").nth(5)).to_have_text("2")  # received: this one and the full service's
    expect(grant_row.get_by_role("cell").nth(8)).to_have_text("100%")  # accepted
    onward = OnwardReferral.objects.get(service=roomy)
    assert (onward.status, onward.kind, onward.started_date) == (OnwardStatus.STARTED, "commissioned", today())
