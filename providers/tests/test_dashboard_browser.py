"""In a real browser: the manager sees which grants are under target or over capacity, in words and with a symbol
(never by colour alone), and the CSV they download adds up in a spreadsheet: plain numbers, no £."""

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import Page, expect

from providers.models import OnwardStatus
from providers.tests.factories import GrantFactory, OnwardReferralFactory, ProviderFactory, ServiceFactory

pytestmark = pytest.mark.browser
D = dt.date


def test_manager_sees_flagged_grants_and_downloads_numbers(page: Page, live_server, sign_in, manager):
    behind = ServiceFactory(provider=ProviderFactory(name="Alpha Befriending"), name="Phone friends", capacity=2)
    GrantFactory(ref="G-BEHIND", provider=behind.provider, services=[behind], amount=8648, target_referrals=40,
                 start_date=D(2026, 4, 1), end_date=D(2026, 6, 30))
    for status in [OnwardStatus.STARTED, OnwardStatus.STARTED, OnwardStatus.ACCEPTED]:  # 3 supported, room for 2
        OnwardReferralFactory(service=behind, status=status, made_date=D(2026, 5, 1), sent_date=D(2026, 5, 1))
    fine = ServiceFactory(provider=ProviderFactory(name="Beta Club"), name="Lunch club", capacity=10)
    GrantFactory(ref="G-FINE", provider=fine.provider, services=[fine], amount=1200, target_referrals=1,
                 start_date=D(2026, 4, 1), end_date=D(2026, 6, 30))
    OnwardReferralFactory(service=fine, status=OnwardStatus.SENT, made_date=D(2026, 5, 1), sent_date=D(2026, 5, 1))

    sign_in(page, manager)
    page.goto(f"{live_server.url}/providers/dashboard/?period=custom&start=2026-04-01&end=2026-06-30")
    flags = page.get_by_role("row").filter(has_text="G-BEHIND").get_by_role("cell").nth(3)
    expect(flags).to_have_text("⚠ Under target⚠ Over capacity")
    expect(page.get_by_role("row").filter(has_text="G-FINE").get_by_role("cell").nth(3)).to_have_text("✓ On track")
    flagged = page.get_by_role("region", name="1 grant flagged")
    expect(flagged).to_contain_text("G-BEHIND (Alpha Befriending): Under target: 3 received, 40 expected by "
                                    "30/06/2026; Over capacity: 3 supported now, room for 2.")
    expect(flagged).not_to_contain_text("G-FINE")
    expect(page.get_by_role("row").filter(has_text="G-BEHIND")).to_contain_text("£8,648")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").first.click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [row["Spend in period (£)"] for row in rows] == ["8648.00", "1200.00"]
    assert sum(float(row["Spend in period (£)"]) for row in rows) == 9848
    assert rows[0]["Flags"] == ("Under target: 3 received, 40 expected by 30/06/2026; "
                                "Over capacity: 3 supported now, room for 2")


def test_manager_finds_a_provider_and_the_flagged_grants_among_many(page: Page, live_server, sign_in, manager):
    """A programme too long for one page (issue 13): 25 grants a page with a chart of those, flagged grants first;
    the manager types part of a provider's name, then asks for flagged grants only, and pages on."""
    for n in range(27):
        GrantFactory(ref=f"G-OK{n:02d}", provider=ProviderFactory(name=f"Club {n:02d}"), target_referrals=None)
    GrantFactory(ref="G-BEHIND", provider=ProviderFactory(name="Zeta Walks"), target_referrals=40,
                 start_date=D(2026, 4, 1), end_date=D(2026, 6, 30))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, manager)
    page.goto(f"{live_server.url}/providers/dashboard/?period=custom&start=2026-04-01&end=2026-06-30")
    grants = page.get_by_role("region", name="Grants table")
    expect(grants.get_by_role("row")).to_have_count(1 + 25)
    expect(grants.get_by_role("row").nth(1)).to_contain_text("G-BEHIND")  # flagged first, though last by name
    expect(page.get_by_text("Page 1 of 2 (28 grants)")).to_be_visible()
    expect(page.locator("#chart-grants")).to_be_visible()

    page.get_by_label("Provider name").fill("club 1")
    page.get_by_role("button", name="Show").click()
    expect(grants.get_by_role("row")).to_have_count(1 + 10)  # Club 10 to Club 19
    expect(page.get_by_text("10 grants match the filters")).to_be_visible()
    expect(page.get_by_role("region", name="Providers table").get_by_role("row")).to_have_count(1 + 10)

    page.get_by_label("Provider name").fill("")
    page.get_by_label("Flagged grants only").check()
    page.get_by_role("button", name="Show").click()
    expect(grants.get_by_role("row")).to_have_count(1 + 1)
    expect(grants).to_contain_text("G-BEHIND")
    expect(page.get_by_label("Flagged grants only")).to_be_checked()

    page.get_by_label("Flagged grants only").uncheck()
    page.get_by_role("button", name="Show").click()
    page.get_by_role("navigation", name="Pages of grants").get_by_role("link", name="Next").click()
    expect(grants.get_by_role("row")).to_have_count(1 + 3)
    expect(page.get_by_text("Page 2 of 2 (28 grants)")).to_be_visible()
    assert errors == []
