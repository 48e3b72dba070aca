"""The directory and the provider inbox at national size (issue 13): a page at a time, room counted from the
services' own onward referrals, and the same number of queries with few rows or many."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers import views
from providers.models import OnwardStatus
from providers.tests.factories import OnwardReferralFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory

DIRECTORY = reverse("providers:directory")
INBOX = reverse("providers:inbox")


def _names(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<td><strong>(.*?)</strong>", body)


def _services(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        service = ServiceFactory(name=f"Service {i:03d}", capacity=5)
        OnwardReferralFactory(service=service, status=OnwardStatus.STARTED)


def test_the_directory_comes_a_page_at_a_time(client_for, adviser_a):
    _services(views.DIRECTORY_PAGE_SIZE + 5)
    client = client_for(adviser_a)
    first = client.get(DIRECTORY).text
    assert len(_names(first)) == views.DIRECTORY_PAGE_SIZE
    assert f"30 services, 1 to {views.DIRECTORY_PAGE_SIZE} shown" in first
    assert 'href="?page=2"' in first
    second = client.get(DIRECTORY, {"page": 2}).text
    assert len(_names(second)) == 5 and not set(_names(first)) & set(_names(second))
    assert second.count(">4</span> of 5") == 5  # room still counted per service: 5 places, 1 person started


def test_the_directory_pages_keep_the_search_and_the_referral(client_for, adviser_a, practice_a):
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, needs=[])
    _services(views.DIRECTORY_PAGE_SIZE + 1)
    page = client_for(adviser_a).get(DIRECTORY, {"referral": referral.pk, "q": "Service"}).text
    assert f'href="?referral={referral.pk}&amp;q=Service&amp;page=2"' in page


def test_the_directory_costs_the_same_queries_with_2_or_30_services(client_for, adviser_a,
                                                                    django_assert_num_queries):
    _services(2)
    client = client_for(adviser_a)
    with CaptureQueriesContext(connection) as few:
        client.get(DIRECTORY)
    _services(28, start=2)
    with django_assert_num_queries(len(few)):
        page = client.get(DIRECTORY).text
    assert len(_names(page)) == views.DIRECTORY_PAGE_SIZE


def test_the_room_count_reads_each_services_own_onward_referrals(client_for, adviser_a):
    """Not a join of every onward referral to every service, grouped: that read the whole table on each search."""
    _services(2)
    with CaptureQueriesContext(connection) as queries:
        client_for(adviser_a).get(DIRECTORY)
    [listing] = [q["sql"] for q in queries.captured_queries
                 if q["sql"].startswith('SELECT "providers_service"."id"')]
    assert "GROUP BY" not in listing.split('FROM "providers_service"', 1)[1].rsplit(")", 1)[-1]


def test_the_inbox_costs_the_same_queries_with_2_or_60_referrals(client_for, provider_staff,
                                                                 django_assert_num_queries):
    service = ServiceFactory(provider=provider_staff.provider)
    for _ in range(2):
        OnwardReferralFactory(service=service)
    client = client_for(provider_staff)
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)
    for _ in range(58):
        OnwardReferralFactory(service=service)
    with django_assert_num_queries(len(few)):
        page = client.get(INBOX)
    assert len(page.context["page"].object_list) == views.INBOX_PAGE_SIZE
    assert page.context["page"].paginator.count == 60
