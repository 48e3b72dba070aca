"""The provider inbox: provider staff see the onward referrals sent to their own organisation, with the least
needed to contact the person, and nothing else (domain.md, 'Who uses it')."""

from html import escape

import pytest
from django.urls import reverse

from providers.models import STATUS_DATE_FIELD, OnwardStatus
from providers.tests.factories import OnwardReferralFactory, ProviderFactory, ServiceFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.lib.nhs_number import format_nhs_number

URL = reverse("providers:inbox")


@pytest.fixture
def service(provider_staff):
    return ServiceFactory(provider=provider_staff.provider, name="Telephone befriending")


@pytest.fixture
def elsewhere():
    return ServiceFactory(provider=ProviderFactory(name="Maltby Lunch Club"), name="Lunch club")


def _onward(service, given, family, *, status=OnwardStatus.SENT, adviser=None, **patient):
    referral = ReferralFactory(status=Status.ACTIVE, adviser=adviser, patient__given_name=given,
                               patient__family_name=family, **{f"patient__{k}": v for k, v in patient.items()})
    return OnwardReferralFactory(referral=referral, service=service, status=status, made_by=adviser)


@pytest.fixture
def edna(service, adviser_a):
    onward = _onward(service, "Edna", "Hague", adviser=adviser_a, phone="01709 555123",
                     address="12 Moorgate Road, Rotherham", postcode="S60 2HX",
                     long_term_conditions="Chronic obstructive pulmonary disease")
    onward.need, onward.notes = "befriending", "Hard of hearing: ring twice"
    onward.save()
    return onward


def test_provider_staff_see_who_to_contact_for_their_sent_referrals(client_for, provider_staff, adviser_a, edna):
    response = client_for(provider_staff).get(URL)
    assert response.status_code == 200
    page = response.text
    assert "Referrals to Rother Valley Befriending Scheme" in page
    for shown in ["Edna Hague", "01709 555123", "12 Moorgate Road, Rotherham", "S60 2HX", "Befriending",
                  "Hard of hearing: ring twice", escape(str(adviser_a)), adviser_a.email, "Telephone befriending"]:
        assert shown in page


@pytest.mark.parametrize("status", [OnwardStatus.ACCEPTED, OnwardStatus.STARTED])
def test_provider_staff_see_the_people_they_have_accepted_or_started(client_for, provider_staff, service, status):
    _onward(service, "Arthur", "Platt", status=status)
    assert "Arthur Platt" in client_for(provider_staff).get(URL).text


def test_adviser_shown_is_whoever_made_it_when_the_referral_has_none(client_for, provider_staff, service,
                                                                      adviser_a):
    onward = _onward(service, "Arthur", "Platt")
    onward.made_by = adviser_a
    onward.save()
    assert escape(str(adviser_a)) in client_for(provider_staff).get(URL).text


def test_provider_staff_do_not_see_other_organisations_onward_referrals(client_for, provider_staff, service,
                                                                        elsewhere):
    _onward(service, "Edna", "Hague")
    for status in [OnwardStatus.SENT, OnwardStatus.ACCEPTED, OnwardStatus.STARTED]:
        _onward(elsewhere, "Gladys", f"Elsewhere{status}", status=status)
    client = client_for(provider_staff)
    for view in ["open", "all", "sent", "accepted"]:
        page = client.get(URL, {"status": view}).text
        assert "Elsewhere" not in page and "Gladys" not in page and "Lunch club" not in page


@pytest.mark.parametrize("view", ["open", "all", "", "nonsense", *OnwardStatus.values])
def test_proposed_onward_referrals_are_not_shown_until_sent(client_for, provider_staff, service, view):
    _onward(service, "Norah", "Unsent", status=OnwardStatus.PROPOSED)
    page = client_for(provider_staff).get(URL, {"status": view}).text
    assert "Norah" not in page and "Unsent" not in page


def test_provider_staff_do_not_see_the_nhs_number_date_of_birth_conditions_or_referral_reason(
        client_for, provider_staff, edna):
    patient = edna.referral.patient
    page = client_for(provider_staff).get(URL, {"status": "all"}).text
    assert "Edna Hague" in page
    for hidden in [patient.nhs_number, format_nhs_number(patient.nhs_number), "17/05/1940", "1940-05-17", "1940",
                   "Chronic obstructive", "Lives alone", patient.practice.name]:
        assert hidden not in page


def test_open_view_leaves_out_finished_ones_and_all_shows_them(client_for, provider_staff, service):
    _onward(service, "Edna", "Waiting")
    for status in [OnwardStatus.COMPLETED, OnwardStatus.DECLINED, OnwardStatus.WITHDRAWN]:
        finished = _onward(service, "Former", f"Finished{status}", status=status)
        # Ended today: their details are still shown (test_inbox_retention.py has the days after).
        setattr(finished, STATUS_DATE_FIELD[status], today())
        finished.save()
    client = client_for(provider_staff)
    assert "Finished" not in client.get(URL).text
    everything = client.get(URL, {"status": "all"}).text
    for status in ["completed", "declined", "withdrawn"]:
        assert f"Finished{status}" in everything
    assert "Edna Waiting" in everything


def test_sent_ones_come_first(client_for, provider_staff, service):
    _onward(service, "Arthur", "Started", status=OnwardStatus.STARTED)
    _onward(service, "Edna", "Waiting")
    page = client_for(provider_staff).get(URL).text
    assert page.index("Edna Waiting") < page.index("Arthur Started")


@pytest.mark.parametrize("persona", ["adviser_a", "gp_a", "manager", "commissioner"])
def test_inbox_is_404_for_everyone_but_provider_staff(request, client_for, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(URL)
    assert response.status_code == 404


def test_not_logged_in_is_sent_to_login(client):
    response = client.get(URL)
    assert (response.status_code, response.url) == (302, f"/accounts/login/?next={URL}")


def test_provider_staff_get_404_on_the_referral_itself(client_for, provider_staff, edna):
    response = client_for(provider_staff).get(reverse("casework:referral", args=[edna.referral_id]))
    assert response.status_code == 404
    assert "Hague" not in response.text


def test_query_count_does_not_grow_with_rows(client_for, provider_staff, service, elsewhere, adviser_a,
                                             adviser_other, django_assert_num_queries):
    second = ServiceFactory(provider=service.provider, name="Home visits")

    def add_rows(tag):
        for i, status in enumerate([OnwardStatus.SENT, OnwardStatus.ACCEPTED, OnwardStatus.STARTED]):
            _onward(service, "Mine", f"{tag}A{i}", status=status, adviser=adviser_a)
            _onward(second, "Mine", f"{tag}B{i}", status=status, adviser=adviser_other)
            _onward(elsewhere, "Theirs", f"{tag}C{i}", status=status, adviser=adviser_a)

    add_rows("first")
    client = client_for(provider_staff)
    with django_assert_num_queries(11):
        page = client.get(URL).text
    assert page.count('aria-label="Referral of Mine ') == 6
    add_rows("second")
    add_rows("third")
    with django_assert_num_queries(11):
        page = client.get(URL).text
    assert page.count('aria-label="Referral of Mine ') == 18 and "Theirs" not in page


def test_each_tab_says_how_many_it_holds_for_the_search_too(client_for, provider_staff, service):
    _onward(service, "Edna", "Waiting")
    _onward(service, "Arthur", "Waiting")
    _onward(service, "Edna", "Started", status=OnwardStatus.STARTED)
    finished = _onward(service, "Edna", "Finished", status=OnwardStatus.COMPLETED)
    finished.ended_date = today()
    finished.save()
    client = client_for(provider_staff)
    page = client.get(URL, {"status": "all"}).text
    assert ">Open (3)</a>" in page and ">Waiting for you (2)</a>" in page and ">All (4)</a>" in page
    assert "4 referrals." in page
    client.post(URL, {"q": "Edna"})
    page = client.get(URL).text
    assert ">Open (2)</a>" in page and ">Waiting for you (1)</a>" in page and ">All (3)</a>" in page
    assert "2 referrals." in page
