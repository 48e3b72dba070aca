"""The service directory: who may open it, the room each service has, its filters, and its query count."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from providers.models import OnwardStatus, ProviderKind
from providers.tests.factories import GrantFactory, OnwardReferralFactory, ProviderFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory

URL = reverse("providers:directory")


def _rows(page: str) -> list[str]:
    """The rows of the directory table as plain text, tags stripped and spaces collapsed."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:]]


def _row(page: str, service_name: str) -> str:
    [row] = [row for row in _rows(page) if row.startswith(f"{service_name} ")]
    return row


def _names(page: str) -> list[str]:
    return [re.search(r"<strong>(.*?)</strong>", row).group(1)
            for row in page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
            if "<strong>" in row]


def _occupy(service, *statuses):
    for status in statuses:
        OnwardReferralFactory(service=service, status=status)


# Who may open it ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["adviser_a", "adviser_other", "manager"])
def test_advisers_and_the_manager_see_the_directory(request, client_for, persona):
    user = request.getfixturevalue(persona)
    ServiceFactory(name="Telephone befriending")
    response = client_for(user).get(URL)
    assert response.status_code == 200
    assert "Telephone befriending" in response.text


@pytest.mark.parametrize("persona", ["gp_a", "provider_staff", "commissioner"])
def test_gp_provider_staff_and_commissioner_get_404(request, client_for, persona):
    user = request.getfixturevalue(persona)
    ServiceFactory(name="Telephone befriending")
    response = client_for(user).get(URL)
    assert response.status_code == 404
    assert "Telephone befriending" not in response.text


def test_not_logged_in_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={URL}"


# Room ---------------------------------------------------------------------------------------------------------


def test_room_is_capacity_less_the_people_accepted_or_started(client_for, adviser_a):
    service = ServiceFactory(name="Telephone befriending", capacity=3)
    _occupy(service, OnwardStatus.ACCEPTED, OnwardStatus.STARTED, OnwardStatus.SENT)
    assert _row(client_for(adviser_a).get(URL).text, "Telephone befriending").endswith(" 1 of 3")


def test_finished_proposed_and_waiting_onward_referrals_take_no_room(client_for, adviser_a):
    service = ServiceFactory(name="Telephone befriending", capacity=2)
    _occupy(service, OnwardStatus.PROPOSED, OnwardStatus.SENT, OnwardStatus.DECLINED, OnwardStatus.COMPLETED,
            OnwardStatus.DID_NOT_ATTEND, OnwardStatus.WITHDRAWN)
    assert _row(client_for(adviser_a).get(URL).text, "Telephone befriending").endswith(" 2 of 2")


def test_people_at_another_service_take_no_room_here(client_for, adviser_a):
    here = ServiceFactory(name="Telephone befriending", capacity=2)
    there = ServiceFactory(name="Walking group", provider=here.provider, capacity=2)
    _occupy(there, OnwardStatus.STARTED, OnwardStatus.STARTED)
    page = client_for(adviser_a).get(URL).text
    assert _row(page, "Telephone befriending").endswith(" 2 of 2")
    assert _row(page, "Walking group").endswith(" Full (2)")


def test_full_service_shows_full(client_for, adviser_a):
    service = ServiceFactory(name="Telephone befriending", capacity=2)
    _occupy(service, OnwardStatus.ACCEPTED, OnwardStatus.STARTED)
    assert _row(client_for(adviser_a).get(URL).text, "Telephone befriending").endswith(" Full (2)")


def test_service_with_no_fixed_capacity_shows_no_limit(client_for, adviser_a):
    service = ServiceFactory(name="Drop-in hub", capacity=None)
    _occupy(service, OnwardStatus.STARTED)
    assert _row(client_for(adviser_a).get(URL).text, "Drop-in hub").endswith(" No limit")


def test_with_room_hides_full_services_only(client_for, adviser_a):
    full = ServiceFactory(name="Telephone befriending", capacity=1)
    _occupy(full, OnwardStatus.STARTED)
    ServiceFactory(name="Walking group", capacity=1)
    ServiceFactory(name="Drop-in hub", capacity=None)
    client = client_for(adviser_a)
    assert set(_names(client.get(URL).text)) == {"Telephone befriending", "Walking group", "Drop-in hub"}
    assert set(_names(client.get(URL, {"with_room": "on"}).text)) == {"Walking group", "Drop-in hub"}


# Filters ------------------------------------------------------------------------------------------------------


def test_category_filter_shows_only_the_chosen_needs(client_for, adviser_a):
    ServiceFactory(name="Telephone befriending", category="befriending")
    ServiceFactory(name="Walking group", category="physical_activity")
    ServiceFactory(name="Dial-a-ride", category="community_transport")
    client = client_for(adviser_a)
    assert _names(client.get(URL, {"categories": "befriending"}).text) == ["Telephone befriending"]
    both = client.get(URL, {"categories": ["befriending", "community_transport"]}).text
    assert set(_names(both)) == {"Telephone befriending", "Dial-a-ride"}


@pytest.mark.parametrize("q", ["WALKING", "Rother Valley", "nordic poles", "over 65"])
def test_search_matches_name_provider_description_or_eligibility(client_for, adviser_a, q):
    ServiceFactory(name="Walking group", provider=ProviderFactory(name="Rother Valley Ramblers"),
                   description="Gentle walks with Nordic poles", eligibility="Aged over 65")
    ServiceFactory(name="Telephone befriending", provider=ProviderFactory(name="Age UK Rotherham"))
    assert _names(client_for(adviser_a).get(URL, {"q": q}).text) == ["Walking group"]


def test_search_that_matches_nothing_says_so(client_for, adviser_a):
    ServiceFactory(name="Walking group")
    page = client_for(adviser_a).get(URL, {"q": "knitting"}).text
    assert _names(page) == []
    assert "No service matches." in page


def test_area_filter_keeps_borough_wide_services(client_for, adviser_a):
    ServiceFactory(name="Wath lunch club", area="Wath upon Dearne")
    ServiceFactory(name="Maltby lunch club", area="Maltby")
    ServiceFactory(name="Telephone befriending", area="Borough-wide")
    names = _names(client_for(adviser_a).get(URL, {"area": "wath"}).text)
    assert set(names) == {"Wath lunch club", "Telephone befriending"}


def test_inactive_services_and_services_of_inactive_providers_are_not_listed(client_for, adviser_a):
    ServiceFactory(name="Telephone befriending")
    ServiceFactory(name="Old lunch club", active=False)
    ServiceFactory(name="Closed charity club", provider=ProviderFactory(active=False))
    assert _names(client_for(adviser_a).get(URL).text) == ["Telephone befriending"]


# Funding ------------------------------------------------------------------------------------------------------


def test_commissioned_badge_only_for_a_grant_awarded_and_running_today(client_for, adviser_a):
    funded = ServiceFactory(name="Funded befriending")
    GrantFactory(provider=funded.provider, services=[funded])
    ended = ServiceFactory(name="Ended befriending")
    GrantFactory(provider=ended.provider, services=[ended], start_date=dt.date(2025, 4, 1),
                 end_date=dt.date(2026, 3, 31))
    refused = ServiceFactory(name="Refused befriending")
    GrantFactory(provider=refused.provider, services=[refused], decision="refused")
    ServiceFactory(name="Council falls team", provider=ProviderFactory(kind=ProviderKind.STATUTORY))
    page = client_for(adviser_a).get(URL).text
    assert "Commissioned" in _row(page, "Funded befriending")
    for name in ["Ended befriending", "Refused befriending"]:
        assert "Not commissioned" in _row(page, name)
    assert "Statutory" in _row(page, "Council falls team")
    assert "ommissioned" not in _row(page, "Council falls team")


def test_commissioned_services_with_room_come_first(client_for, adviser_a):
    ServiceFactory(name="Alpha club", capacity=5)
    funded = ServiceFactory(name="Zeta club", capacity=5)
    GrantFactory(provider=funded.provider, services=[funded])
    assert _names(client_for(adviser_a).get(URL).text) == ["Zeta club", "Alpha club"]


# Opened from a referral ---------------------------------------------------------------------------------------


def test_opened_from_a_referral_it_offers_to_refer_and_preselects_the_needs(client_for, practice_a, adviser_a):
    referral = ReferralFactory(patient__practice=practice_a, patient__given_name="Edna",
                               patient__family_name="Hague", status=Status.ACCEPTED, needs=["befriending"])
    befriending = ServiceFactory(name="Telephone befriending", category="befriending")
    ServiceFactory(name="Walking group", category="physical_activity")
    page = client_for(adviser_a).get(URL, {"referral": referral.pk}).text
    assert "Finding a service for <strong>Edna Hague</strong>" in page
    assert _names(page) == ["Telephone befriending"]
    assert reverse("providers:onward_create", args=[referral.pk, befriending.pk]) in page


def test_each_refer_link_names_its_service_in_its_text(client_for, practice_a, adviser_a):
    """Seven links all reading "Refer" cannot be told apart in a screen reader's list of links: each one's text
    names the service (hidden from the eye, which has the row), not only an aria-label."""
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, needs=[])
    for name in ["Telephone befriending", "Walking group", "Lunch club"]:
        ServiceFactory(name=name)
    page = client_for(adviser_a).get(URL, {"referral": referral.pk}).text
    texts = [" ".join(re.sub(r"<[^>]+>", " ", link).split())
             for link in re.findall(r'<a class="btn btn-sm btn-primary"[^>]*>(.*?)</a>', page)]
    assert sorted(texts) == ["Refer to Lunch club", "Refer to Telephone befriending", "Refer to Walking group"]
    assert 'aria-label="Refer to' not in page  # one name, the text, so that the two cannot disagree


def test_opened_without_a_referral_it_offers_no_refer_button(client_for, adviser_a):
    ServiceFactory(name="Telephone befriending")
    page = client_for(adviser_a).get(URL).text
    assert "Refer to Telephone befriending" not in page


def test_opened_with_a_referral_the_adviser_may_not_see_is_404(client_for, practice_a, adviser_other):
    referral = ReferralFactory(patient__practice=practice_a, patient__family_name="Hague", status=Status.ACCEPTED)
    response = client_for(adviser_other).get(URL, {"referral": referral.pk})
    assert response.status_code == 404
    assert "Hague" not in response.text


def test_opened_with_a_referral_that_does_not_exist_is_404(client_for, adviser_a):
    assert client_for(adviser_a).get(URL, {"referral": 999999}).status_code == 404


# Query count --------------------------------------------------------------------------------------------------


def _programme(n: int) -> None:
    """n services from different providers, half of them funded, each with people at every stage."""
    for _ in range(n):
        service = ServiceFactory(capacity=5)
        GrantFactory(provider=service.provider, services=[service])
        _occupy(service, OnwardStatus.SENT, OnwardStatus.ACCEPTED, OnwardStatus.STARTED, OnwardStatus.COMPLETED)
        ServiceFactory(provider=service.provider, capacity=None)


def test_query_count_does_not_grow_with_services(client_for, adviser_a, django_assert_num_queries):
    _programme(3)
    client = client_for(adviser_a)
    with django_assert_num_queries(8):  # session, user, OTP device, the services' count and page, choices, save
        page = client.get(URL).text
    assert len(_names(page)) == 6
    _programme(5)
    with django_assert_num_queries(8):
        page = client.get(URL).text
    assert len(_names(page)) == 16


def test_query_count_from_a_referral_does_not_grow_with_services(client_for, practice_a, adviser_a,
                                                                 django_assert_num_queries):
    referral = ReferralFactory(patient__practice=practice_a, status=Status.ACCEPTED, needs=[])
    _programme(3)
    client = client_for(adviser_a)
    # Two more than without a referral: the person's postcode is looked up, then (not found) its district's middle.
    with django_assert_num_queries(11):
        page = client.get(URL, {"referral": referral.pk}).text
    assert len(_names(page)) == 6
    _programme(5)
    with django_assert_num_queries(11):
        page = client.get(URL, {"referral": referral.pk}).text
    assert len(_names(page)) == 16
