"""In a real browser: an adviser finding a service for a person in Maltby sees the nearest services first, with
how far each is, where it is, when it opens and how to get in touch; and each "Refer" link says to which service
it refers, for a screen reader's list of links as much as for the eye (issue 12)."""

import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from providers.demo import DEMO_POSTCODES
from providers.tests.factories import ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from reports.imports.run import run_import
from sps.lib.dates import today

pytestmark = pytest.mark.browser


@pytest.fixture
def borough(db):
    run_import(kind="postcodes", stream=io.BytesIO(Path(DEMO_POSTCODES).read_bytes()), file_name="onspd.csv",
               user=None)
    ServiceFactory(name="Wath walks", address="Wath Leisure Centre", postcode="S63 7RL", category="befriending",
                   phone="01709 760000", opening_times="Mondays 10am to 12 noon",
                   how_to_get_there="Bus 22 from Rotherham stops outside.")
    ServiceFactory(name="Maltby hub", address="High Street, Maltby", postcode="S66 8AB", category="befriending")
    ServiceFactory(name="Town centre cafe", address="Moorgate, Rotherham", postcode="S60 2TH",
                   category="befriending")
    ServiceFactory(name="Telephone befriending", category="befriending")


def test_nearest_services_first_with_contact_details_and_named_refer_links(page: Page, live_server, sign_in,
                                                                          adviser_a, borough):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), patient__postcode="S66 8AB",
                               status=Status.ACCEPTED, adviser=adviser_a, needs=["befriending"],
                               referral_date=today() - dt.timedelta(days=5))
    sign_in(page, adviser_a)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    page.get_by_role("link", name="Find a service").click()

    expect(page.get_by_text("Nearest first to the person's postcode, S66 8AB")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Maltby hub")
    expect(rows.nth(1)).to_contain_text("0.0 miles")
    expect(rows.nth(2)).to_contain_text("Town centre cafe")
    expect(rows.nth(3)).to_contain_text("Wath walks")
    expect(rows.nth(4)).to_contain_text("Telephone befriending")
    expect(rows.nth(4)).to_contain_text("No fixed place")
    wath = rows.filter(has_text="Wath walks")
    for shown in ["Wath Leisure Centre, S63 7RL", "Mondays 10am to 12 noon", "Bus 22 from Rotherham stops outside.",
                  "01709 760000"]:
        expect(wath).to_contain_text(shown)
    assert "S66" not in page.url

    links = page.get_by_role("link", name="Refer to", exact=False)
    expect(links).to_have_count(4)
    expect(wath.get_by_role("link", name="Refer to Wath walks", exact=True)).to_have_text("Refer to Wath walks")
    expect(page.get_by_role("link", name="Refer", exact=True)).to_have_count(0)

    page.get_by_label("Postcode or area").fill("S63")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("row").nth(1)).to_contain_text("Wath walks")
    expect(page.get_by_text("Nearest first to S63")).to_be_visible()
