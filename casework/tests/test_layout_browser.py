"""In a real browser at 1280 px, a common laptop width: every role's menu fits, Sign out is on screen, and the
page is no wider than the window."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LANDING = {"gp_a": "/referrals/", "adviser_a": "/referrals/caseload/", "manager": "/reports/overview/",
           "provider_staff": "/providers/inbox/", "commissioner": "/reports/evaluation/"}


@pytest.mark.parametrize("persona", list(LANDING))
def test_the_menu_fits_and_sign_out_is_on_screen_at_1280_px(request, page: Page, live_server, sign_in, persona):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, request.getfixturevalue(persona))
    page.goto(f"{live_server.url}{LANDING[persona]}")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    box = sign_out.bounding_box()
    assert box["x"] + box["width"] <= 1280 and box["y"] < 120, box  # on screen, on the bar's first line
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_managers_running_pages_are_one_menu_away(page: Page, live_server, sign_in, manager):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, manager)
    page.goto(f"{live_server.url}/reports/overview/")
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Imports").click()
    expect(page).to_have_url(f"{live_server.url}/reports/imports/")
