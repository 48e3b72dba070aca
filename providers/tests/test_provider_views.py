"""The directory, onward referrals, the provider inbox, spot purchases and the dashboard: the right person,
the wrong person (404), nobody (the login page), bad input, and query counts on the lists."""

import datetime as dt

import pytest
from django.urls import reverse

from providers.models import Grant, OnwardReferral, OnwardStatus, Provider, Service, SpotPurchase
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.models import Role
from sps.tests.factories import UserFactory


def _login_url(url: str) -> str:
    return f"{reverse('login')}?next={url}"


@pytest.fixture
def referral(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), patient__family_name="Hague",
                           status=Status.ACCEPTED, adviser=adviser_a, referral_date=today() - dt.timedelta(days=30))


@pytest.fixture
def service(provider_staff):
    service = Service.objects.create(provider=provider_staff.provider, code="RV1", name="Telephone befriending",
                                     category="befriending", capacity=3)
    grant = Grant.objects.create(ref="G1", provider=provider_staff.provider, amount=1000,
                                 start_date=today() - dt.timedelta(days=100), end_date=today() + dt.timedelta(days=100))
    grant.services.set([service])
    return service


def _onward(service, status, family_name="Other"):
    return OnwardReferral.objects.create(referral=ReferralFactory(status=Status.ACTIVE,
                                                                  patient__family_name=family_name),
                                         service=service, kind="commissioned", status=status, made_date=today(),
                                         sent_date=today())


def test_directory_shows_room_and_funding(client_for, adviser_a, service, django_assert_num_queries):
    for status in (OnwardStatus.ACCEPTED, OnwardStatus.STARTED, OnwardStatus.SENT):
        _onward(service, status)
    Service.objects.create(provider=service.provider, code="OLD", name="Closed service", category="befriending",
                           active=False)
    client = client_for(adviser_a)
    with django_assert_num_queries(8):  # with the count of services, the directory being a page at a time
        page = client.get(reverse("providers:directory")).text
    assert "1</span> of 3" in page and "Commissioned" in page and "Closed service" not in page
    for _ in range(3):
        _onward(service, OnwardStatus.STARTED)
    Service.objects.create(provider=service.provider, code="RV2", name="Walking group", category="physical_activity")
    with django_assert_num_queries(8):
        page = client.get(reverse("providers:directory")).text
    assert "Full" in page
    with_room = client.get(reverse("providers:directory"), {"with_room": "on"}).text
    assert "Telephone befriending" not in with_room and "Walking group" in with_room
    assert "Walking group" not in client.get(reverse("providers:directory"), {"categories": "befriending"}).text
    assert "Walking group" in client.get(reverse("providers:directory"), {"q": "walking"}).text


@pytest.mark.parametrize("persona", ["gp_a", "provider_staff", "commissioner"])
def test_directory_is_for_advisers_and_the_manager(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("providers:directory")).status_code == 404


def test_directory_for_a_referral_the_adviser_may_not_see_is_404(client_for, adviser_other, referral):
    url = reverse("providers:directory") + f"?referral={referral.pk}"
    assert client_for(adviser_other).get(url).status_code == 404


def test_adviser_refers_on_and_the_provider_is_emailed_without_patient_details(
        client_for, adviser_a, referral, service, mailoutbox, django_capture_on_commit_callbacks):
    url = reverse("providers:onward_create", args=[referral.pk, service.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(adviser_a).post(url, {"need": "befriending", "notes": "Mornings",
                                                    "made_date": today().isoformat(), "send": "on"})
    assert response.url == reverse("casework:referral", args=[referral.pk])
    onward = OnwardReferral.objects.get()
    assert (onward.kind, onward.status, onward.made_by) == ("commissioned", "sent", adviser_a)
    [email] = mailoutbox
    assert "/providers/inbox/" in email.body
    for detail in ["Hague", referral.patient.nhs_number, referral.patient.postcode, "Mornings"]:
        assert detail not in email.body


def test_onward_referral_with_a_future_date_is_refused(client_for, adviser_a, referral, service):
    url = reverse("providers:onward_create", args=[referral.pk, service.pk])
    response = client_for(adviser_a).post(url, {"made_date": (today() + dt.timedelta(days=2)).isoformat()})
    assert "cannot be in the future" in response.text
    assert not OnwardReferral.objects.exists()


def test_non_vcs_referral_or_signpost_needs_a_destination(client_for, adviser_a, referral):
    url = reverse("providers:onward_create_other", args=[referral.pk])
    client = client_for(adviser_a)
    assert "Enter where the person is sent." in client.post(url, {"kind": "signpost",
                                                                  "made_date": today().isoformat()}).text
    client.post(url, {"kind": "non_vcs", "destination": "Adult Social Care", "made_date": today().isoformat()})
    assert OnwardReferral.objects.get().destination == "Adult Social Care"


@pytest.mark.parametrize("persona", ["adviser_other", "gp_a", "provider_staff", "commissioner"])
def test_others_cannot_refer_on(request, client_for, referral, service, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in [reverse("providers:onward_create", args=[referral.pk, service.pk]),
                reverse("providers:onward_create_other", args=[referral.pk])]:
        assert client.post(url, {"made_date": today().isoformat(), "kind": "signpost",
                                 "destination": "x"}).status_code == 404
    assert not OnwardReferral.objects.exists()


def test_provider_staff_see_only_what_they_need_of_their_own_referrals(client_for, provider_staff, service,
                                                                      django_assert_num_queries):
    mine = _onward(service, OnwardStatus.SENT, family_name="Mine")
    mine.notes = "Prefers mornings"
    mine.save()
    elsewhere = Service.objects.create(provider=Provider.objects.create(code="OTH", name="Other Org"), code="OT1",
                                       name="Other service", category="befriending")
    _onward(elsewhere, OnwardStatus.SENT, family_name="Elsewhere")
    proposed = _onward(service, OnwardStatus.PROPOSED, family_name="NotYetSent")
    client = client_for(provider_staff)
    with django_assert_num_queries(11):
        page = client.get(reverse("providers:inbox")).text
    patient = mine.referral.patient
    assert "Mine" in page and patient.phone in page and "Prefers mornings" in page
    assert "Elsewhere" not in page and "NotYetSent" not in page
    for hidden in [patient.nhs_number, "1940", "COPD", proposed.referral.patient.family_name]:
        assert hidden not in page
    for i in range(4):
        _onward(service, OnwardStatus.ACCEPTED, family_name=f"More{i}")
    with django_assert_num_queries(11):
        client.get(reverse("providers:inbox"))
    assert client.get(reverse("casework:referral", args=[mine.referral_id])).status_code == 404


@pytest.mark.parametrize("persona", ["adviser_a", "gp_a", "manager", "commissioner"])
def test_the_inbox_is_for_provider_staff(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("providers:inbox")).status_code == 404


def test_provider_staff_accept_and_start_and_the_adviser_hears(client_for, provider_staff, adviser_a, referral,
                                                               service, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    onward = OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned",
                                           status=OnwardStatus.SENT, made_date=today(), sent_date=today())
    client = client_for(provider_staff)
    url = reverse("providers:onward_status", args=[onward.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"status": "accepted", "on": today().isoformat()})
    assert [m.to for m in mailoutbox] == [[adviser_a.email]]
    bad = client.post(url, {"status": "completed", "on": today().isoformat()}, follow=True)
    assert "cannot be marked completed now" in bad.text
    client.post(url, {"status": "started", "on": today().isoformat()})
    onward.refresh_from_db()
    assert (onward.status, onward.started_date) == (OnwardStatus.STARTED, today())


def test_another_organisations_staff_get_404(client_for, service, referral):
    onward = OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned",
                                           status=OnwardStatus.SENT, made_date=today())
    stranger = UserFactory(role=Role.PROVIDER_STAFF, provider=Provider.objects.create(code="OTH", name="Other"))
    client = client_for(stranger)
    assert client.post(reverse("providers:onward_status", args=[onward.pk]),
                       {"status": "accepted", "on": today().isoformat()}).status_code == 404
    assert client.get(reverse("providers:onward_status", args=[onward.pk])).status_code == 405
    assert OnwardReferral.objects.get().status == OnwardStatus.SENT


def test_status_changes_need_a_login(client, service, referral):
    onward = OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned",
                                           status=OnwardStatus.SENT, made_date=today())
    url = reverse("providers:onward_status", args=[onward.pk])
    assert client.post(url).url == _login_url(url)


def test_spot_purchase_asked_for_and_decided(client_for, adviser_a, manager, referral, service, mailoutbox,
                                            django_capture_on_commit_callbacks):
    url = reverse("providers:spot_purchase_create", args=[referral.pk])
    client = client_for(adviser_a)
    for cost, message in [("0", "The cost in pounds must be 0.01 or more."),
                          ("-5", "The cost in pounds must be 0.01 or more.")]:
        response = client.post(url, {"provider": service.provider.pk, "description": "Taxi", "reason": "x",
                                     "cost": cost})
        assert message in response.text
    assert "Enter why no commissioned service fits." in client.post(url, {"provider": service.provider.pk,
                                                                          "description": "Taxi",
                                                          "cost": "40"}).text
    assert not SpotPurchase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"provider": service.provider.pk, "description": "Taxi", "reason": "No transport service",
                          "cost": "120.50"})
    purchase = SpotPurchase.objects.get()
    assert [m.to for m in mailoutbox] == [[manager.email]]
    decide = reverse("providers:spot_purchase_decide", args=[purchase.pk])
    assert client.post(decide, {"approve": "yes"}).status_code == 404  # advisers do not decide
    manager_client = client_for(manager)
    assert "Say why" in manager_client.post(decide, {"approve": "no"}, follow=True).text
    manager_client.post(decide, {"approve": "yes"})
    purchase.refresh_from_db()
    assert (purchase.status, purchase.decided_by, purchase.cost) == ("approved", manager, 120.5)


def test_spot_purchase_lists_follow_the_access_rules(client_for, adviser_a, adviser_other, provider_staff, manager,
                                                     referral, service, django_assert_num_queries):
    other_provider = Provider.objects.create(code="OTH", name="Other Org")
    for provider, what in [(service.provider, "Ours"), (other_provider, "Theirs")]:
        SpotPurchase.objects.create(referral=referral, provider=provider, description=what, reason="x", cost=50,
                                    requested_by=adviser_a, requested_date=today())
    client = client_for(provider_staff)
    with django_assert_num_queries(8):
        mine = client.get(reverse("providers:spot_purchases")).text
    assert "Ours" in mine and "Theirs" not in mine and "Hague" not in mine
    assert "Ours" not in client_for(adviser_other).get(reverse("providers:spot_purchases")).text
    client = client_for(manager)
    with django_assert_num_queries(8):
        everything = client.get(reverse("providers:spot_purchases")).text
    assert "Ours" in everything and "Theirs" in everything


@pytest.mark.parametrize("persona", ["gp_a", "commissioner"])
def test_spot_purchases_are_not_for_gps_or_the_commissioner(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("providers:spot_purchases")).status_code == 404


@pytest.mark.parametrize("persona", ["adviser_a", "gp_a", "provider_staff", "commissioner"])
def test_the_dashboard_is_the_managers(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("providers:dashboard")).status_code == 404


def test_dashboard_needs_a_login_and_explains_a_bad_period(client, client_for, manager):
    url = reverse("providers:dashboard")
    assert client.get(url).url == _login_url(url)
    page = client_for(manager).get(url, {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"})
    assert "The period ends before it starts." in page.text
    csv = client_for(manager).get(url, {"download": "providers"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("Provider,Onward referrals")
