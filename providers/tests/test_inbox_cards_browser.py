"""In a real browser, what provider staff meet on the cards of their inbox (issue 12): the answer to a change
names the person and stays on the card they changed, on the same tab and page; nothing is chosen until they
choose; a date is checked against the date the card shows; and "continued after the end" is not recorded
until someone records it."""

import datetime as dt
import re
from urllib.parse import unquote_plus

import pytest
from playwright.sync_api import Page, expect

from providers.models import OnwardStatus
from providers.tests.factories import OnwardReferralFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

pytestmark = pytest.mark.browser


@pytest.fixture
def service(provider_staff):
    return ServiceFactory(provider=provider_staff.provider, name="Telephone befriending")


def _onward(service, given, family, **fields):
    referral = ReferralFactory(status=Status.ACTIVE, patient__given_name=given, patient__family_name=family,
                               referral_date=today() - dt.timedelta(days=60))
    day = today() - dt.timedelta(days=20)
    return OnwardReferralFactory(referral=referral, service=service, **{"made_date": day, "sent_date": day,
                                                                        **fields})


def test_the_answer_names_the_person_on_their_card_on_the_same_tab_and_page(page: Page, live_server, sign_in,
                                                                            provider_staff, service):
    # 60 people started with the service: the "All" tab has two pages, and Edna Hague's card, the oldest, is
    # the last of the second.
    long_ago = today() - dt.timedelta(days=50)
    edna = _onward(service, "Edna", "Hague", status=OnwardStatus.STARTED, made_date=long_ago, sent_date=long_ago,
                   accepted_date=long_ago, started_date=long_ago)
    for i in range(59):
        _onward(service, "Person", f"Number{i:02d}", status=OnwardStatus.STARTED)
    sign_in(page, provider_staff)
    page.goto(f"{live_server.url}/providers/inbox/?status=all&page=2")
    card = page.get_by_role("region", name="Referral of Edna Hague")
    card.get_by_label("Mark as").select_option("completed")
    card.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"\?status=all&page=2#onward-{edna.pk}$"))
    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card.get_by_role("status")).to_have_text(
        "Edna Hague's referral to Telephone befriending: marked completed.")
    expect(card).to_be_in_viewport()
    assert "edna" not in unquote_plus(page.url).lower() and "hague" not in unquote_plus(page.url).lower()
    edna.refresh_from_db()
    assert edna.status == OnwardStatus.COMPLETED


def test_nothing_is_chosen_beforehand_and_a_save_without_a_choice_says_so(page: Page, live_server, sign_in,
                                                                          provider_staff, service):
    edna = _onward(service, "Edna", "Hague")
    sign_in(page, provider_staff)
    page.goto(f"{live_server.url}/providers/inbox/")
    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card.get_by_label("Mark as")).to_have_value("")
    card.get_by_role("button", name="Save").click()

    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card.get_by_role("alert")).to_contain_text('Choose what happened in "Mark as": nothing was saved.')
    edna.refresh_from_db()
    assert (edna.status, edna.accepted_date, edna.history.count()) == (OnwardStatus.SENT, None, 1)


def test_a_start_date_too_early_is_refused_citing_the_date_the_card_shows(page: Page, live_server, sign_in,
                                                                         provider_staff, service):
    """The GP referred 60 days ago, the adviser proposed 30 days ago and sent it 20 days ago: the card shows the
    day it was sent, so that is the date the message gives."""
    sent = today() - dt.timedelta(days=20)
    edna = _onward(service, "Edna", "Hague", made_date=today() - dt.timedelta(days=30), sent_date=sent,
                   status=OnwardStatus.ACCEPTED, accepted_date=sent)
    sign_in(page, provider_staff)
    page.goto(f"{live_server.url}/providers/inbox/")
    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card).to_contain_text(f"sent {sent:%d/%m/%Y}")
    card.get_by_label("Mark as").select_option("started")
    card.get_by_label("on", exact=True).fill((today() - dt.timedelta(days=25)).isoformat())
    card.get_by_role("button", name="Save").click()

    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card.get_by_role("alert")).to_have_text(
        f"Edna Hague's referral to Telephone befriending: The date cannot be before the onward referral was sent "
        f"({sent:%d/%m/%Y}).")
    edna.refresh_from_db()
    assert (edna.status, edna.started_date) == (OnwardStatus.ACCEPTED, None)


def test_continued_after_the_end_shows_not_recorded_until_someone_records_it(page: Page, live_server, sign_in,
                                                                             provider_staff, service):
    ended = today() - dt.timedelta(days=3)
    edna = _onward(service, "Edna", "Hague", status=OnwardStatus.COMPLETED, started_date=ended, ended_date=ended)
    sign_in(page, provider_staff)
    page.goto(f"{live_server.url}/providers/inbox/?status=all")
    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card).to_contain_text("Continued with VCS activity after the end? Not recorded")
    expect(card.get_by_role("button", name="No", exact=True)).to_have_attribute("aria-pressed", "false")
    card.get_by_role("button", name="No", exact=True).click()

    card = page.get_by_role("region", name="Referral of Edna Hague")
    expect(card).to_contain_text("Continued with VCS activity after the end? No")
    expect(card.get_by_role("status")).to_have_text(
        "Edna Hague's referral to Telephone befriending: continued with VCS activity after the end recorded as no.")
    expect(card.get_by_role("button", name="No", exact=True)).to_have_attribute("aria-pressed", "true")
    edna.refresh_from_db()
    assert edna.continued_after_end is False
