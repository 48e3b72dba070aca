"""The adviser's caseload at the size of a real one: a page at a time, searched by name or NHS number without
either going into a URL, filtered by status and by the tile clicked, and each person's phone number at hand."""

import datetime as dt

import pytest
from django.urls import reverse

from outcomes.tests.factories import reading
from referrals.models import AccessEvent, Referral, Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

URL = reverse("casework:caseload")


@pytest.fixture
def big_caseload(adviser_a):
    """30 people assigned to the adviser (3 of them overdue a review, 2 assessed), 4 waiting for a decision."""
    practice = adviser_a.linked_practices.get()
    referrals = [ReferralFactory(patient__practice=practice, patient__family_name=f"Person{n:02d}",
                                 status=Status.ACCEPTED, adviser=adviser_a, referral_date=today() - dt.timedelta(n))
                 for n in range(30)]
    for referral in referrals[:3]:
        reading(referral, "baseline", today() - dt.timedelta(days=120))
    for referral in referrals[3:5]:
        reading(referral, "baseline", today() - dt.timedelta(days=10))
    Referral.objects.filter(pk__in=[r.pk for r in referrals[:5]]).update(status=Status.ASSESSED)
    for n in range(4):
        ReferralFactory(patient__practice=practice, patient__family_name=f"Waiting{n}", status=Status.RECEIVED)
    return referrals


def _names(page) -> list[str]:
    return [referral.patient.family_name for referral in page.context["page"].object_list]


def test_the_caseload_comes_a_page_at_a_time_in_a_fixed_number_of_queries(client_for, adviser_a, big_caseload,
                                                                           django_assert_num_queries):
    client = client_for(adviser_a)
    # session, user, second-factor device, the two lists (with the reviews), the access log, practices, the
    # session saved (3)
    with django_assert_num_queries(10):
        first = client.get(URL)
    assert len(_names(first)) == 25 and first.context["page"].paginator.count == 30
    assert "Page 1 of 2 (30 people)" in first.text
    second = client.get(URL, {"page": 2})
    assert len(_names(second)) == 5 and not set(_names(second)) & set(_names(first))
    # What was shown, and only that, is in the access log.
    listed = AccessEvent.objects.filter(user=adviser_a, action="listed").order_by("-pk")[:9]
    assert {event.referral.patient.family_name for event in listed} == set(_names(second)) | {
        f"Waiting{n}" for n in range(4)}


def test_each_tile_is_a_link_to_what_it_counts(client_for, adviser_a, big_caseload):
    client = client_for(adviser_a)
    page = client.get(URL).text
    assert 'href="?show=overdue"' in page and 'href="?show=first_visit"' in page
    overdue = client.get(URL, {"show": "overdue"})
    assert sorted(_names(overdue)) == ["Person00", "Person01", "Person02"]
    assert overdue.context["waiting_page"].paginator.count == 0  # only what the tile counts
    assert len(_names(client.get(URL, {"show": "first_visit"}))) == 25  # 25 of 25 on a page
    assert client.get(URL, {"show": "first_visit"}).context["page"].paginator.count == 25
    waiting = client.get(URL, {"show": "waiting"})
    assert waiting.context["waiting_page"].paginator.count == 4 and not _names(waiting)
    tiles = {key: value for key, _, value in overdue.context["caseload"].figures}
    assert tiles == {"waiting": 4, "mine": 30, "first_visit": 25, "overdue": 3, "due_soon": 0}


def test_status_filter(client_for, adviser_a, big_caseload):
    assessed = client_for(adviser_a).get(URL, {"status": "assessed"})
    assert sorted(_names(assessed)) == [f"Person0{n}" for n in range(5)]  # a baseline makes them assessed
    assert client_for(adviser_a).get(URL, {"status": "nonsense"}).context["page"].paginator.count == 30


def test_search_by_name_or_nhs_number_is_posted_and_never_in_the_url(client_for, adviser_a, big_caseload):
    client = client_for(adviser_a)
    response = client.post(URL, {"q": "Person07"})
    assert response.status_code == 302 and "Person07" not in response.url
    found = client.get(response.url)
    assert _names(found) == ["Person07"] and found.context["waiting_page"].paginator.count == 0
    assert "Showing only the people your search found." in found.text
    nhs_number = big_caseload[12].patient.nhs_number
    client.post(URL, {"q": f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"})
    assert _names(client.get(URL)) == ["Person12"]
    tiles = {key: value for key, _, value in client.get(URL).context["caseload"].figures}
    assert tiles["mine"] == 30  # the tiles count the whole caseload, whatever is searched for
    client.post(URL, {"clear": "1"})
    assert client.get(URL).context["page"].paginator.count == 30


def test_search_that_finds_nobody_says_so(client_for, adviser_a, big_caseload):
    client = client_for(adviser_a)
    client.post(URL, {"q": "Nobody-by-this-name"})
    assert "Nobody on your caseload matches." in client.get(URL).text


def test_a_search_too_long_is_refused_and_shows_everything(client_for, adviser_a, big_caseload):
    client = client_for(adviser_a)
    client.post(URL, {"q": "x" * 101})
    assert client.get(URL).context["page"].paginator.count == 30


def test_phone_numbers_are_on_the_caseload(client_for, adviser_a, big_caseload):
    page = client_for(adviser_a).get(URL).text
    assert 'href="tel:01709 123456"' in page


def test_someone_elses_caseload_is_not_there(client_for, adviser_other, big_caseload):
    response = client_for(adviser_other).get(URL)
    assert response.context["page"].paginator.count == 0 and "Person" not in response.text
