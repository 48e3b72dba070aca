"""axe-core on every role's pages in a real browser (Chromium), with real objects on them, and on forms after a
bad submit (the error summary): no serious or critical violation of WCAG 2.2 A/AA or axe's best practice.
docs/accessibility.md gives the figures of the last run."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from outcomes.tests.factories import reading
from providers.models import Grant, OnwardReferral, OnwardStatus, Service
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.tests.axe import violations

pytestmark = pytest.mark.browser
IMPACTS = ("minor", "moderate", "serious", "critical")


@pytest.fixture
def casework(adviser_a, provider_staff):
    """A referral well on its way (baseline, review, an onward referral to the provider's service), one new one."""
    practice = adviser_a.linked_practices.get()
    referral = ReferralFactory(patient__practice=practice, patient__given_name="Dorothy", patient__family_name="Hague",
                               status=Status.ACTIVE, adviser=adviser_a, needs=["befriending"],
                               referral_date=today() - dt.timedelta(days=120))
    reading(referral, "baseline", today() - dt.timedelta(days=110), default=2)
    reading(referral, "review", today() - dt.timedelta(days=10), default=4)
    service = Service.objects.create(provider=provider_staff.provider, code="PHONE", name="Telephone befriending",
                                     category="befriending", capacity=5)
    grant = Grant.objects.create(ref="G1", provider=provider_staff.provider, amount=12000, target_referrals=30,
                                 start_date=today() - dt.timedelta(days=100), end_date=today() + dt.timedelta(days=265))
    grant.services.set([service])
    OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status=OnwardStatus.SENT,
                                  made_date=today() - dt.timedelta(days=5))
    new = ReferralFactory(patient__practice=practice, status=Status.RECEIVED, referral_date=today())
    return {"referral": referral.pk, "new": new.pk, "service": service.pk}


def _pages(ids: dict) -> dict[str, list[str]]:
    r, new, service = ids["referral"], ids["new"], ids["service"]
    return {
        "gp_a": ["/referrals/", "/referrals/new/", f"/referrals/{r}/", f"/referrals/{new}/",
                 f"/referrals/{new}/withdraw/"],
        "adviser_a": ["/referrals/caseload/", f"/referrals/{r}/", f"/referrals/{new}/", f"/outcomes/visit/{r}/",
                      f"/outcomes/summary/{r}/", f"/providers/directory/?referral={r}",
                      f"/providers/refer/{r}/to/{service}/", f"/providers/refer/{r}/other/",
                      "/providers/spot-purchases/", f"/referrals/{r}/close/", f"/referrals/{r}/consent/",
                      f"/referrals/{r}/contact/"],
        "provider_staff": ["/providers/inbox/", "/providers/inbox/?tab=all", "/providers/spot-purchases/"],
        "manager": ["/reports/overview/", "/referrals/", "/referrals/new/", f"/referrals/{r}/",
                    "/providers/dashboard/", "/providers/directory/", "/reports/imports/",
                    "/referrals/access-log/", "/referrals/patients/move-requests/",
                    "/reports/evaluation/?report=process",
                    "/reports/evaluation/?report=wellbeing", "/reports/evaluation/?report=episodes",
                    "/reports/evaluation/?report=roi"],
        "commissioner": ["/reports/evaluation/?report=process", "/reports/evaluation/?report=roi"],
    }


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "provider_staff", "manager", "commissioner"])
def test_every_page_of_each_role_has_no_serious_accessibility_violation(request, page: Page, live_server, sign_in,
                                                                         casework, persona):
    sign_in(page, request.getfixturevalue(persona))
    found = []
    for path in _pages(casework)[persona]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        found += violations(page, impacts=IMPACTS)
    assert not found, "\n".join(found)


def test_the_sign_in_pages_have_no_serious_accessibility_violation(page: Page, live_server):
    found = []
    for path in ["/accounts/login/", "/accounts/password_reset/"]:
        page.goto(f"{live_server.url}{path}")
        found += violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in").click()  # nothing filled in: the errors
    found += violations(page)
    assert not found, "\n".join(found)


def test_a_form_sent_back_with_errors_starts_at_its_summary_and_has_no_violation(page: Page, live_server, sign_in,
                                                                                 adviser_a, casework):
    sign_in(page, adviser_a)
    page.goto(f"{live_server.url}/outcomes/visit/{casework['referral']}/")
    page.get_by_label("No star reading this time").check()
    page.locator("#id_date").fill((today() + dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Save the visit").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Date: The date must be between the referral date and today.")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_date")).to_be_focused()
    assert not violations(page, impacts=IMPACTS)
