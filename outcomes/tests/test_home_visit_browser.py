"""In a real browser, at tablet width: an adviser records a baseline home visit, then a review; the star chart
and the change table show both."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from outcomes.star import AREAS
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

pytestmark = pytest.mark.browser


def _score_all(page: Page, scores: dict[str, int]) -> None:
    for area in AREAS:
        page.get_by_label(f"{area.label} {scores.get(area.key, 3)}", exact=True).check()


def test_adviser_records_a_baseline_then_a_review_and_sees_both(page: Page, live_server, sign_in, adviser_a):
    page.set_viewport_size({"width": 768, "height": 1024})
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), patient__given_name="Dorothy",
                               patient__family_name="Hague", status=Status.ACCEPTED, adviser=adviser_a,
                               referral_date=today() - dt.timedelta(days=120))
    sign_in(page, adviser_a)
    page.get_by_role("row").filter(has_text="Dorothy Hague").get_by_role("link", name="Record a visit").click()
    page.get_by_label("Date").fill((today() - dt.timedelta(days=100)).isoformat())
    expect(page.get_by_label("Baseline")).to_be_checked()
    _score_all(page, {"family_friends": 1, "money": 2})
    page.get_by_role("button", name="Save the visit").click()
    expect(page.get_by_text("Home visit recorded with the baseline star.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Assessed")

    page.get_by_role("link", name="Record a visit").click()
    expect(page.get_by_label("Review")).to_be_checked()
    _score_all(page, {"family_friends": 3, "money": 2, "feeling_positive": 4})
    page.get_by_role("button", name="Save the visit").click()

    expect(page.locator("#star-chart")).to_be_visible()
    assert page.evaluate("Chart.getChart('star-chart').data.datasets.length") == 2
    table = page.locator("table.star-table")
    expect(table.locator("thead")).to_contain_text("Baseline")
    expect(table.locator("thead")).to_contain_text("Review")
    family = table.get_by_role("row").filter(has_text="Family and friends")
    expect(family.get_by_role("cell")).to_have_text(["1", "3", "+2"])
    expect(page.get_by_text("Improved in 2 of 8 areas")).to_be_visible()
    assert referral.star_readings.count() == 2
