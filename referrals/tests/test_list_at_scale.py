"""The referral list at national size (issue 13): counts that stop at a cap instead of reading the whole table,
pages that go only so deep, a name search an index can answer on PostgreSQL, and a query count that does not
depend on how many referrals there are."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import selectors, views
from referrals.models import Patient, Status
from referrals.tests.factories import ReferralFactory
from sps.models import Role
from sps.search import CappedPaginator
from sps.tests.factories import UserFactory

URL = reverse("referrals:list")


def _referrals(n: int, practice, **kwargs) -> list:
    return [ReferralFactory(patient__practice=practice, patient__family_name=f"Person{i:03d}", **kwargs)
            for i in range(n)]


@pytest.mark.parametrize("persona", ["manager", "gp_a", "adviser_a"])
def test_the_list_costs_the_same_queries_with_2_or_25_referrals(request, client_for, practice_a, persona,
                                                                django_assert_num_queries):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    _referrals(2, practice_a)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _referrals(23, practice_a, status=Status.CLOSED)
    with django_assert_num_queries(len(few)):
        page = client.get(URL).text
    assert page.count("Person0") == 25


def test_a_name_search_costs_the_same_queries_with_2_or_25_referrals(client_for, manager, practice_a,
                                                                     django_assert_num_queries):
    client = client_for(manager)
    _referrals(2, practice_a)
    client.post(URL, {"q": "person"})
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _referrals(23, practice_a)
    with django_assert_num_queries(len(few)):
        page = client.get(URL).text
    assert page.count("Person0") == 25


def test_no_count_on_the_managers_list_reads_the_whole_table(client_for, manager, practice_a):
    """Every count of referrals the page makes stops at a LIMIT: at 1.3 million referrals an unbounded count on
    every page read the whole table."""
    _referrals(3, practice_a)
    client = client_for(manager)
    client.post(URL, {"q": "person"})
    for params in ({}, {"status": "open"}, {"page": "2"}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        counts = [q["sql"] for q in queries.captured_queries
                  if "COUNT(" in q["sql"].upper() and '"referrals_referral"' in q["sql"]]
        assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_the_managers_status_counts_say_over_the_cap(client_for, manager, practice_a, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    _referrals(2, practice_a)
    _referrals(5, practice_a, status=Status.CLOSED)
    page = client_for(manager).get(URL).text
    assert "Received: <strong>2</strong>" in page
    assert "Closed: <strong>over 3</strong>" in page
    assert selectors.status_counts(manager)[Status.CLOSED] == 4  # counted only to one past the cap


def test_the_others_counts_are_exact(client_for, gp_a, practice_a):
    _referrals(4, practice_a, status=Status.CLOSED)
    assert selectors.status_counts(gp_a)[Status.CLOSED] == 4
    assert "Closed: <strong>4</strong>" in client_for(gp_a).get(URL).text


def test_the_list_goes_only_so_deep_and_asks_for_a_narrower_search(client_for, manager, practice_a, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "MAX_PAGES", 2)
    _referrals(7, practice_a)
    client = client_for(manager)
    first = client.get(URL).text
    assert "Page 1 of 2 (over 4 referrals)" in first
    assert "Only the first 4 referrals are listed" in first and "search by name or NHS number" in first
    deep = client.get(URL, {"page": "3"})
    assert deep.status_code == 200 and deep.context["page"].number == 2  # the last page there is
    assert 'page=3"' not in deep.text  # no way on past it


def test_a_short_list_is_counted_in_full(client_for, manager, practice_a, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _referrals(5, practice_a)
    page = client_for(manager).get(URL).text
    assert "Page 1 of 3 (5 referrals)" in page and "Only the first" not in page


def test_the_capped_paginator_counts_one_past_its_pages(db, practice_a):
    _referrals(9, practice_a)
    paginator = CappedPaginator(selectors.referral_list(user=UserFactory(role=Role.MANAGER)), 2, max_pages=3)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (7, True, 3)
    assert len(paginator.get_page(99).object_list) == 2
    short = CappedPaginator(list(range(5)), 2, max_pages=3)
    assert (short.count, short.capped, short.num_pages) == (5, False, 3)


def test_the_search_finds_part_of_a_name_without_it_in_a_url(client_for, manager, practice_a):
    ReferralFactory(patient__practice=practice_a, patient__family_name="Featherstonehaugh")
    # A name no generated person (the signed-in manager included) can have.
    ReferralFactory(patient__practice=practice_a, patient__family_name="Quillfeatherby")
    response = client_for(manager).post(URL, {"q": "stoneh"}, follow=True)
    assert "Featherstonehaugh" in response.text and "Quillfeatherby" not in response.text
    assert all("stoneh" not in url for url, _ in response.redirect_chain)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_a_name_search_can_use_the_trigram_indexes(db):
    """Django's icontains is UPPER(column) LIKE UPPER('%term%'): the trigram indexes are on those expressions, so
    the planner can answer a search by part of a name from them rather than reading every patient."""
    patients = Patient.objects.filter(Q(family_name__icontains="stoneh") | Q(given_name__icontains="stoneh"))
    sql, params = patients.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # an empty table: only the trigram indexes are left
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "patient_family_name_trgm_idx" in plan and "patient_given_name_trgm_idx" in plan
