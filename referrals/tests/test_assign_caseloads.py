"""The manager's list of advisers to assign a referral to shows each one's open referrals (issue 12: no caseload
sizes), counted by the database in one grouped query; and at national size (3,300 advisers, issue 13) it offers
only the lightest caseloads and the current adviser, a search by name finds anyone else, and a post is checked
against every active adviser, not only those offered."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from referrals import selectors
from referrals.forms import AssignForm, FindAdviserForm
from referrals.models import Referral, Status
from referrals.selectors import ADVISERS_OFFERED, advisers_to_offer
from referrals.tests.factories import ReferralFactory
from sps.tests.factories import AdviserFactory


def _caseload(adviser, open_count: int, closed_count: int = 0) -> None:
    for _ in range(open_count):
        ReferralFactory(adviser=adviser, status=Status.ACTIVE)
    for _ in range(closed_count):
        ReferralFactory(adviser=adviser, status=Status.CLOSED)


def _offered(page: str) -> list[str]:
    """The labels of the advisers the assign form offers, in order (not its "Choose an adviser")."""
    select = page[page.index('name="adviser"'):]
    select = select[:select.index("</select>")]
    return [option.split(">", 1)[1].split("<", 1)[0] for option in select.split("<option")[1:]
            if 'value=""' not in option]


def test_each_adviser_is_listed_with_their_open_referrals_lightest_first(db):
    busy = AdviserFactory(first_name="Bea", last_name="Busy")
    one = AdviserFactory(first_name="Olly", last_name="One")
    idle = AdviserFactory(first_name="Ida", last_name="Idle")
    _caseload(busy, 3, closed_count=2)
    _caseload(one, 1)
    AdviserFactory(first_name="Gone", last_name="Away", is_active=False)
    with CaptureQueriesContext(connection) as queries:
        labels = [label for value, label in AssignForm(offered=advisers_to_offer()).fields["adviser"].choices
                  if value]
    assert len(queries) == 1
    assert labels == ["Ida Idle (0 open referrals)", "Olly One (1 open referral)", "Bea Busy (3 open referrals)"]
    assert str(idle) in labels[0]


def test_the_referral_page_shows_the_counts_to_the_manager(client_for, manager, adviser_a, gp_a,
                                                           django_assert_num_queries):
    referral = ReferralFactory(patient__practice=gp_a.practice)
    _caseload(adviser_a, 2)
    client = client_for(manager)
    url = reverse("casework:referral", args=[referral.pk])
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).text
    assert f"{escape(adviser_a)} (2 open referrals)" in page
    for _ in range(3):
        _caseload(AdviserFactory(), 2, closed_count=1)
    with django_assert_num_queries(len(first)):  # more advisers and referrals, no more queries
        page = client.get(url).text
    assert page.count("(2 open referrals)") == 4


# At national size: a bounded list.

@pytest.fixture
def many_advisers(db) -> list:
    """ADVISERS_OFFERED + 5 advisers, named in order, the first five each with one open referral: the rest, with
    none, are the lightest."""
    advisers = [AdviserFactory(first_name="Adviser", last_name=f"Number{i:02d}") for i in range(ADVISERS_OFFERED + 5)]
    for adviser in advisers[:5]:
        _caseload(adviser, 1)
    return advisers


def test_the_page_offers_the_lightest_25_and_the_current_adviser(client_for, manager, many_advisers):
    heaviest = many_advisers[4]
    referral = ReferralFactory(adviser=heaviest, status=Status.ACCEPTED)  # its second open referral
    unassigned = ReferralFactory()
    client = client_for(manager)
    offered = _offered(client.get(reverse("casework:referral", args=[unassigned.pk])).text)
    assert offered == [f"Adviser Number{i:02d} (0 open referrals)" for i in range(5, ADVISERS_OFFERED + 5)]
    page = client.get(reverse("casework:referral", args=[referral.pk])).text
    assert _offered(page) == ["Adviser Number04 (2 open referrals)", *offered]
    assert 'selected>Adviser Number04 (2 open referrals)' in page
    assert "The current adviser is first." in page


@pytest.mark.parametrize("search", ["", "number"])
def test_the_page_costs_the_same_queries_with_2_or_32_advisers(client_for, manager, gp_a, adviser_a, search,
                                                                django_assert_num_queries):
    referral = ReferralFactory(patient__practice=gp_a.practice, adviser=adviser_a, status=Status.ACCEPTED)
    AdviserFactory(first_name="Adviser", last_name="Number")
    client = client_for(manager)
    url = reverse("casework:referral", args=[referral.pk])
    with CaptureQueriesContext(connection) as few:
        assert len(_offered(client.get(url, {"find_adviser": search}).text)) == 2
    for i in range(ADVISERS_OFFERED + 5):
        _caseload(AdviserFactory(first_name="Adviser", last_name=f"Number{i}"), i % 2)
    with django_assert_num_queries(len(few)):
        page = client.get(url, {"find_adviser": search}).text
    assert len(_offered(page)) == ADVISERS_OFFERED + 1  # the lightest, and the current adviser


def test_the_search_matches_each_word_of_a_name_like_the_list_filter(client_for, manager, many_advisers):
    philippa = AdviserFactory(first_name="Philippa", last_name="Quartermaine")
    _caseload(philippa, 3)
    AdviserFactory(first_name="Philip", last_name="Smith")
    referral = ReferralFactory(adviser=many_advisers[0], status=Status.ACCEPTED)
    page = client_for(manager).get(reverse("casework:referral", args=[referral.pk]),
                                   {"find_adviser": "  pHIL quarter "}).text
    # The current adviser stays offered (and chosen) whatever the search.
    assert _offered(page) == ["Adviser Number00 (2 open referrals)", "Philippa Quartermaine (3 open referrals)"]
    assert "Advisers whose name matches &ldquo;pHIL quarter&rdquo;" in page
    assert 'value="  pHIL quarter "' in page  # the search box keeps what was typed
    # The referral list's adviser filter matches by the same rule.
    assert {r.adviser for r in selectors.referral_list(user=manager, adviser="pHIL quarter")} == {philippa}


def test_a_search_that_finds_nobody_says_so(client_for, manager, many_advisers):
    unassigned = ReferralFactory()
    page = client_for(manager).get(reverse("casework:referral", args=[unassigned.pk]),
                                   {"find_adviser": "Nobody"}).text
    assert _offered(page) == []
    assert "No active adviser's name matches &ldquo;Nobody&rdquo;." in page


@pytest.mark.parametrize(("typed", "message"), [
    ("x" * 101, "The adviser&#x27;s name must be 100 characters or fewer: you entered 101."),
    ("Ann\x00", "The adviser&#x27;s name had a character that cannot be searched for: type it again."),
])
def test_a_bad_search_says_what_is_wrong_and_offers_the_usual_list(client_for, manager, many_advisers, typed,
                                                                   message):
    unassigned = ReferralFactory()
    response = client_for(manager).get(reverse("casework:referral", args=[unassigned.pk]), {"find_adviser": typed})
    assert response.status_code == 200
    page = response.text
    assert "data-error-summary" in page and f'href="#id_find_adviser">Find an adviser: {message}' in page
    assert len(_offered(page)) == ADVISERS_OFFERED
    assert "Null characters" not in page and "Ensure this value" not in page


def test_a_search_given_twice_uses_the_last(db):
    assert FindAdviserForm(QueryDict("find_adviser=ann&find_adviser=bob")).name() == "bob"


@pytest.mark.parametrize("persona", ["adviser_a", "gp_a"])
def test_only_the_manager_is_offered_the_search(client_for, request, persona, adviser_a, gp_a):
    referral = ReferralFactory(patient__practice=gp_a.practice, adviser=adviser_a, status=Status.ACCEPTED)
    page = client_for(request.getfixturevalue(persona)).get(reverse("casework:referral", args=[referral.pk]),
                                                            {"find_adviser": "number"})
    assert page.status_code == 200 and "Find an adviser" not in page.text and 'name="adviser"' not in page.text


# The post: any active adviser, offered or not; nothing else.

def test_an_adviser_not_offered_can_be_assigned(client_for, manager, many_advisers):
    referral = ReferralFactory(status=Status.RECEIVED)
    client = client_for(manager)
    not_offered = many_advisers[0]  # one open referral: not among the 25 lightest
    assert str(not_offered) not in "".join(_offered(client.get(reverse("casework:referral",
                                                                       args=[referral.pk])).text))
    response = client.post(reverse("referrals:assign", args=[referral.pk]), {"adviser": not_offered.pk}, follow=True)
    assert f"Referral assigned to {escape(not_offered)}." in response.text
    referral.refresh_from_db()
    assert referral.adviser == not_offered
    assert referral.history.latest().history_user == manager


@pytest.mark.parametrize(("sent", "message"), [
    ("", "Choose an adviser to assign."),
    ("inactive", "Choose an adviser to assign from the list: the one sent is not an active adviser."),
    ("gp", "Choose an adviser to assign from the list: the one sent is not an active adviser."),
    ("99999999", "Choose an adviser to assign from the list: the one sent is not an active adviser."),
    ("abc", "Choose an adviser to assign from the list: the one sent is not an active adviser."),
    ("1\x00", "Choose an adviser to assign from the list: the one sent is not an active adviser."),
])
def test_a_bad_choice_is_refused_plainly_and_nothing_is_written(client_for, manager, gp_a, adviser_a, sent,
                                                                message):
    referral = ReferralFactory(patient__practice=gp_a.practice, adviser=adviser_a, status=Status.ACCEPTED)
    value = {"inactive": lambda: AdviserFactory(is_active=False).pk, "gp": lambda: gp_a.pk}.get(sent, lambda: sent)()
    before = referral.history.count()
    response = client_for(manager).post(reverse("referrals:assign", args=[referral.pk]), {"adviser": value},
                                        follow=True)
    assert escape(message) in response.text
    for default in ("Select a valid choice", "This field is required", "Null characters"):
        assert default not in response.text
    assert Referral.objects.get(pk=referral.pk).adviser == adviser_a
    assert referral.history.count() == before
