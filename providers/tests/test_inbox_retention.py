"""Provider retention: provider staff see who an onward referral is for (name, phone, address) while it is open
and for PROVIDER_CONTACT_DAYS (90 by default) after it ends; after that the row still shows the onward referral
(service, need, dates, status) but not who it was. The inbox is paginated, 50 a page, and searchable by name;
the search is posted and kept in the session, because names in URLs land in proxy logs."""

import datetime as dt
import re
from urllib.parse import unquote_plus

import pytest
from django.urls import reverse

from providers.models import OnwardStatus
from providers.tests.factories import OnwardReferralFactory, ProviderFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.models import Role
from sps.tests.factories import UserFactory

URL = reverse("providers:inbox")
# The page's own five (count the rows, fetch one page of them, count each tab, the provider's name, the access
# log) and what every signed-in request costs: the session, the user, their authenticator device, saving the
# session (three).
QUERIES = 11
REMOVED = "Details removed after 90 days"
# How an onward referral ends, and the date that records it.
ENDINGS = [(OnwardStatus.COMPLETED, "ended_date"), (OnwardStatus.DID_NOT_ATTEND, "ended_date"),
           (OnwardStatus.WITHDRAWN, "ended_date"), (OnwardStatus.DECLINED, "declined_date")]


@pytest.fixture
def service(provider_staff):
    return ServiceFactory(provider=provider_staff.provider, name="Telephone befriending")


def _onward(service, given="Edna", family="Quarmby", *, status=OnwardStatus.SENT, phone="01709 555123",
            address="12 Moorgate Road, Rotherham", postcode="S60 2HX", **fields):
    referral = ReferralFactory(status=Status.ACTIVE, patient__given_name=given, patient__family_name=family,
                               patient__phone=phone, patient__address=address, patient__postcode=postcode)
    return OnwardReferralFactory(referral=referral, service=service, status=status, need="befriending",
                                 notes="Hard of hearing: ring twice", **fields)


def _ended(service, status, field, days_ago, **patient):
    """An onward referral that ended (in `status`, dated in `field`) `days_ago` days ago."""
    end = today() - dt.timedelta(days=days_ago)
    made = end - dt.timedelta(days=30)
    reason = {"decline_reason": "No room for Mrs Quarmby"} if status == OnwardStatus.DECLINED else {}
    return _onward(service, status=status, made_date=made, sent_date=made, **{field: end}, **reason, **patient)


def _who(page: str) -> list[str]:
    """What of Edna Quarmby's contact details and notes the page shows."""
    return [shown for shown in ["Edna", "Quarmby", "01709 555123", "12 Moorgate Road", "S60 2HX",
                                "Hard of hearing", "Mrs Quarmby"] if shown in page]


def _urls(response) -> list[str]:
    """Every URL the response sends the browser to or offers it: redirects, links, form targets."""
    urls = [url for url, _ in getattr(response, "redirect_chain", [])]
    urls += re.findall(r'(?:href|action|src)="([^"]*)"', response.text)
    return [unquote_plus(url).lower() for url in urls]


# How long the details are shown ----------------------------------------------------------------------------


@pytest.mark.parametrize("status, field", ENDINGS)
def test_details_are_shown_90_days_after_the_end(client_for, provider_staff, service, status, field):
    _ended(service, status, field, days_ago=90)
    page = client_for(provider_staff).get(URL, {"status": "all"}).text
    assert _who(page)[:5] == ["Edna", "Quarmby", "01709 555123", "12 Moorgate Road", "S60 2HX"]
    assert REMOVED not in page


@pytest.mark.parametrize("status, field", ENDINGS)
def test_details_are_removed_91_days_after_the_end(client_for, provider_staff, service, status, field):
    onward = _ended(service, status, field, days_ago=91)
    page = client_for(provider_staff).get(URL, {"status": "all"}).text
    assert _who(page) == []
    assert REMOVED in page
    end = getattr(onward, field)
    for still_shown in ["Telephone befriending", "Befriending", onward.get_status_display(),
                        f"{onward.sent_date:%d/%m/%Y}", f"{end:%d/%m/%Y}"]:
        assert still_shown in page


@pytest.mark.parametrize("status", [OnwardStatus.SENT, OnwardStatus.ACCEPTED, OnwardStatus.STARTED])
def test_details_are_shown_while_it_is_open_however_long_ago_it_was_sent(client_for, provider_staff, service,
                                                                            status):
    long_ago = today() - dt.timedelta(days=3 * 365)
    _onward(service, status=status, made_date=long_ago, sent_date=long_ago, accepted_date=long_ago,
            started_date=long_ago)
    page = client_for(provider_staff).get(URL, {"status": "all"}).text
    assert "Edna Quarmby" in page and "01709 555123" in page and REMOVED not in page


def test_the_days_count_from_the_end_not_from_when_it_was_sent(client_for, provider_staff, service):
    started = today() - dt.timedelta(days=400)
    _onward(service, status=OnwardStatus.COMPLETED, made_date=started, sent_date=started, started_date=started,
            ended_date=today() - dt.timedelta(days=10))
    assert "Edna Quarmby" in client_for(provider_staff).get(URL, {"status": "all"}).text


@pytest.mark.parametrize("days_ago, shown", [(90, True), (91, False)])
def test_an_ended_one_without_an_end_date_counts_from_the_last_date_it_has(client_for, provider_staff, service,
                                                                           days_ago, shown):
    """Old imports may give a status but no end date: they must not keep the details for ever."""
    last = today() - dt.timedelta(days=days_ago)
    _onward(service, status=OnwardStatus.COMPLETED, made_date=last - dt.timedelta(days=20), sent_date=last,
            started_date=last, ended_date=None)
    page = client_for(provider_staff).get(URL, {"status": "all"}).text
    assert ("Edna Quarmby" in page) is shown and (REMOVED in page) is not shown


def test_the_number_of_days_is_a_setting(client_for, provider_staff, service, settings):
    settings.PROVIDER_CONTACT_DAYS = 30
    _ended(service, OnwardStatus.COMPLETED, "ended_date", days_ago=30, phone="01709 000030")
    _ended(service, OnwardStatus.COMPLETED, "ended_date", days_ago=31, phone="01709 000031")
    page = client_for(provider_staff).get(URL, {"status": "all"}).text
    assert "01709 000030" in page and "01709 000031" not in page
    assert "Details removed after 30 days" in page


# Pages ------------------------------------------------------------------------------------------------------


def test_the_list_is_paginated_50_a_page(client_for, provider_staff, service):
    for i in range(51):
        _onward(service, "Person", f"Number{i:02d}")
    client = client_for(provider_staff)
    first = client.get(URL).text
    assert first.count('aria-label="Referral of Person ') == 50
    assert 'href="?status=open&amp;page=2"' in first
    second = client.get(URL, {"page": 2}).text
    assert second.count('aria-label="Referral of Person ') == 1
    assert "Number00" in second  # the oldest last: the same order across pages


def test_page_links_keep_the_status_filter(client_for, provider_staff, service):
    for i in range(51):
        _onward(service, "Person", f"Number{i:02d}", status=OnwardStatus.ACCEPTED)
    page = client_for(provider_staff).get(URL, {"status": "accepted"}).text
    assert 'href="?status=accepted&amp;page=2"' in page


def test_a_page_past_the_end_shows_the_last_page(client_for, provider_staff, service):
    _onward(service)
    response = client_for(provider_staff).get(URL, {"page": 99})
    assert response.status_code == 200 and "Edna Quarmby" in response.text


def test_query_count_is_fixed_whatever_the_number_of_rows(client_for, provider_staff, service,
                                                          django_assert_num_queries):
    elsewhere = ServiceFactory(provider=ProviderFactory(name="Maltby Lunch Club"), name="Lunch club")

    def add_rows(n):
        for i in range(n):
            _onward(service, "Mine", f"Open{i}", status=OnwardStatus.STARTED)
            _ended(service, OnwardStatus.COMPLETED, "ended_date", days_ago=10, given="Mine")
            _ended(service, OnwardStatus.DECLINED, "declined_date", days_ago=200, given="Mine")
            _onward(elsewhere, "Theirs", f"Open{i}")

    add_rows(2)
    client = client_for(provider_staff)
    with django_assert_num_queries(QUERIES):
        page = client.get(URL, {"status": "all"}).text
    assert page.count('aria-label="Referral of Mine ') == 4 and page.count(REMOVED) == 2
    add_rows(25)
    with django_assert_num_queries(QUERIES):
        page = client.get(URL, {"status": "all"}).text
    assert page.count('aria-label="Referral') == 50 and "Theirs" not in page
    client.post(URL, {"q": "Mine"})
    with django_assert_num_queries(QUERIES):
        page = client.get(URL, {"status": "all", "page": 2}).text
    assert page.count('aria-label="Referral of Mine ') == 4  # 27 open and 27 recently ended; none hidden


# Searching by name ------------------------------------------------------------------------------------------


@pytest.fixture
def people(service):
    _onward(service, "Edna", "Quarmby")
    _onward(service, "Arthur", "Platt", phone="01709 999999")


def test_a_search_is_posted_and_finds_by_name(client_for, provider_staff, people):
    client = client_for(provider_staff)
    response = client.post(URL, {"q": "quarm"})
    assert (response.status_code, response.url) == (302, f"{URL}?status=open")
    page = client.get(URL).text
    assert "Edna Quarmby" in page and "Arthur Platt" not in page
    assert "Clear search" in page


def test_a_search_finds_by_given_or_full_name(client_for, provider_staff, people):
    client = client_for(provider_staff)
    for term in ["Edna", "edna  quarmby"]:
        client.post(URL, {"q": term})
        page = client.get(URL).text
        assert "Edna Quarmby" in page and "Arthur Platt" not in page


def test_the_search_stays_on_other_tabs_and_keeps_the_tab(client_for, provider_staff, service, people):
    _ended(service, OnwardStatus.COMPLETED, "ended_date", days_ago=5, given="Norah")
    client = client_for(provider_staff)
    response = client.post(f"{URL}?status=all", {"q": "Quarmby"})
    assert response.url == f"{URL}?status=all"
    page = client.get(URL, {"status": "all"}).text
    assert "Edna Quarmby" in page and "Norah Quarmby" in page and "Arthur Platt" not in page


def test_clear_search_shows_everyone_again(client_for, provider_staff, people):
    client = client_for(provider_staff)
    client.post(URL, {"q": "Quarmby"})
    response = client.post(URL, {"clear": "1"})
    assert (response.status_code, response.url) == (302, f"{URL}?status=open")
    page = client.get(URL).text
    assert "Edna Quarmby" in page and "Arthur Platt" in page and "Clear search" not in page


def test_the_name_never_appears_in_a_url(client_for, provider_staff, service):
    for i in range(51):
        _onward(service, "Edna", f"Quarmby{i:02d}")
    client = client_for(provider_staff)
    response = client.post(f"{URL}?status=all", {"q": "Edna Quarmby0"}, follow=True)
    assert "Edna Quarmby01" in response.text
    client.post(URL, {"q": "Quarmby"})
    pages = [response, client.get(URL), client.get(URL, {"page": 2}), client.get(URL, {"status": "all"}),
             client.post(URL, {"clear": "1"}, follow=True)]
    assert 'href="?status=open&amp;page=2"' in pages[1].text
    for response in pages:
        for url in _urls(response):
            assert "edna" not in url and "quarmby" not in url, url


def test_a_name_in_the_query_string_is_ignored(client_for, provider_staff, people):
    page = client_for(provider_staff).get(URL, {"q": "Quarmby"}).text
    assert "Edna Quarmby" in page and "Arthur Platt" in page


def test_a_search_cannot_find_people_whose_details_were_removed(client_for, provider_staff, service):
    _ended(service, OnwardStatus.COMPLETED, "ended_date", days_ago=91)
    _ended(service, OnwardStatus.DECLINED, "declined_date", days_ago=200)
    _onward(service, "Arthur", "Platt")
    client = client_for(provider_staff)
    client.post(URL, {"q": "quarm"})  # the page shows the term searched for, so it is not the whole name
    page = client.get(URL, {"status": "all"}).text
    # Not even as a row without details: that a search matched would say who it was.
    assert _who(page) == [] and REMOVED not in page and "Arthur Platt" not in page
    assert "No referrals match" in page


def test_an_empty_search_says_what_to_type(client_for, provider_staff, people):
    response = client_for(provider_staff).post(URL, {"q": "  "})
    assert response.status_code == 200
    assert "Type part of the person&#x27;s name to search for." in response.text


def test_a_search_too_long_is_refused(client_for, provider_staff, people):
    response = client_for(provider_staff).post(URL, {"q": "x" * 101})
    assert response.status_code == 200
    assert "at most 100 characters" in response.text


# Who may use it ---------------------------------------------------------------------------------------------


def test_another_providers_staff_get_nothing_of_ours(client_for, provider_staff, people):
    theirs = UserFactory(username="other_staff", role=Role.PROVIDER_STAFF, provider=ProviderFactory())
    client = client_for(theirs)
    client.post(URL, {"q": "quarm"})
    for status in ["open", "all"]:
        page = client.get(URL, {"status": status}).text
        assert "Quarmby" not in page and "Arthur Platt" not in page and "Telephone befriending" not in page


@pytest.mark.parametrize("persona", ["adviser_a", "gp_a", "manager", "commissioner"])
def test_everyone_but_provider_staff_get_404(request, client_for, persona, people):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"q": "Quarmby"}).status_code == 404
    assert client.post(URL, {"clear": "1"}).status_code == 404


def test_nobody_signed_in_is_sent_to_sign_in(client, people):
    for response in [client.get(URL), client.post(URL, {"q": "Quarmby"})]:
        assert (response.status_code, response.url) == (302, f"/accounts/login/?next={URL}")
