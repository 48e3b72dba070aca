"""Spot purchases: the adviser asks, the manager decides once, and each list shows only what its reader may see."""

from decimal import Decimal

import pytest
from django.urls import reverse

from providers.models import SpotPurchase, SpotPurchaseStatus
from providers.tests.factories import ProviderFactory, SpotPurchaseFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.lib.nhs_number import format_nhs_number
from sps.tests.factories import UserFactory

LIST = reverse("providers:spot_purchases")


@pytest.fixture
def referral(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, patient__given_name="Edna", patient__family_name="Hague",
                           status=Status.ACTIVE, adviser=adviser_a)


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Rotherham Gardening Therapy")


@pytest.fixture
def good(provider):
    return {"provider": provider.pk, "description": "Six sessions of gardening therapy",
            "reason": "No commissioned service offers gardening", "cost": "120.50"}


def _create_url(referral):
    return reverse("providers:spot_purchase_create", args=[referral.pk])


def _decide_url(purchase):
    return reverse("providers:spot_purchase_decide", args=[purchase.pk])


@pytest.fixture
def purchase(referral, adviser_a, provider):
    return SpotPurchaseFactory(referral=referral, provider=provider, requested_by=adviser_a)


# Asking -------------------------------------------------------------------------------------------------------


def test_adviser_asks_and_it_waits_for_the_manager(client_for, adviser_a, referral, provider, good):
    response = client_for(adviser_a).post(_create_url(referral), good)
    assert response.url == reverse("casework:referral", args=[referral.pk])
    purchase = SpotPurchase.objects.get()
    assert (purchase.referral, purchase.provider, purchase.status, purchase.requested_by) == (
        referral, provider, SpotPurchaseStatus.REQUESTED, adviser_a)
    assert (purchase.cost, purchase.requested_date, purchase.decided_by) == (Decimal("120.50"), today(), None)
    assert purchase.history.get().history_user == adviser_a


def test_active_managers_are_emailed_without_patient_details(client_for, adviser_a, manager, referral, good,
                                                            mailoutbox, django_capture_on_commit_callbacks):
    deputy = UserFactory(role="manager")
    UserFactory(role="manager", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(adviser_a).post(_create_url(referral), good)
    [email] = mailoutbox
    assert sorted(email.to) == sorted([manager.email, deputy.email])
    assert email.subject == "[SPS] A spot purchase is waiting for your decision"
    assert "£120.50" in email.body and LIST in email.body
    for detail in ["Edna", "Hague", referral.patient.nhs_number, format_nhs_number(referral.patient.nhs_number)]:
        assert detail not in email.body


def test_referral_page_lists_the_request(client_for, adviser_a, referral, good):
    page = client_for(adviser_a).post(_create_url(referral), {**good, "cost": "120"}, follow=True).text
    assert "Spot purchase requested: the manager will decide." in page
    assert "Six sessions of gardening therapy from Rotherham Gardening Therapy, £120: awaiting approval" in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cost", "0", "The cost in pounds must be 0.01 or more."),
    ("cost", "-5", "The cost in pounds must be 0.01 or more."),
    ("cost", "lots", "Enter the cost in pounds as a number, like 12.50."),
    ("cost", "99999999", "The cost in pounds must be less than 10,000,000."),
    ("cost", "", "Enter the cost in pounds."),
    ("reason", "", "Enter why no commissioned service fits."),
    ("description", "", "Enter what is to be bought."),
])
def test_bad_input_is_refused_with_the_message_and_nothing_written(client_for, adviser_a, referral, good, field,
                                                                  value, message, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(adviser_a).post(_create_url(referral), {**good, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert not SpotPurchase.objects.exists()
    assert mailoutbox == []


def test_inactive_provider_cannot_be_chosen(client_for, adviser_a, referral, good):
    closed = ProviderFactory(active=False)
    response = client_for(adviser_a).post(_create_url(referral), {**good, "provider": closed.pk})
    assert "Choose the provider from the list." in response.text
    assert not SpotPurchase.objects.exists()


def test_closed_referral_is_refused_with_its_status(client_for, adviser_a, referral, good):
    referral.status = Status.CLOSED
    referral.save()
    response = client_for(adviser_a).post(_create_url(referral), good)
    assert response.status_code == 200
    assert "This referral is closed: spot purchases are asked for while the person is supported." in response.text
    assert not SpotPurchase.objects.exists()


@pytest.mark.parametrize("persona", ["adviser_other", "gp_a", "manager", "provider_staff", "commissioner"])
def test_only_the_referrals_adviser_may_ask(request, client_for, referral, good, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_create_url(referral)).status_code == 404
    assert client.post(_create_url(referral), good).status_code == 404
    assert not SpotPurchase.objects.exists()


def test_asking_needs_a_login(client, referral, good):
    url = _create_url(referral)
    assert client.get(url).url == f"/accounts/login/?next={url}"
    assert client.post(url, good).url == f"/accounts/login/?next={url}"
    assert not SpotPurchase.objects.exists()


# Deciding -----------------------------------------------------------------------------------------------------


def test_manager_approves_and_the_adviser_hears(client_for, manager, adviser_a, purchase, mailoutbox,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(_decide_url(purchase), {"approve": "yes", "reason": ""})
    assert response.url == LIST
    purchase.refresh_from_db()
    assert (purchase.status, purchase.decided_by, purchase.decided_date, purchase.refusal_reason) == (
        SpotPurchaseStatus.APPROVED, manager, today(), "")
    [email] = mailoutbox
    assert (email.to, email.subject) == ([adviser_a.email], "[SPS] Spot purchase approved")


def test_refusing_needs_a_reason(client_for, manager, purchase):
    response = client_for(manager).post(_decide_url(purchase), {"approve": "no", "reason": "  "}, follow=True)
    assert "Say why the spot purchase is refused: the adviser will see it." in response.text
    purchase.refresh_from_db()
    assert (purchase.status, purchase.decided_by, purchase.history.count()) == (SpotPurchaseStatus.REQUESTED, None, 1)


def test_manager_refuses_with_a_reason_and_the_adviser_sees_it(client_for, manager, adviser_a, purchase):
    client_for(manager).post(_decide_url(purchase), {"approve": "no", "reason": "Use the walking group"})
    purchase.refresh_from_db()
    assert (purchase.status, purchase.refusal_reason, purchase.decided_by) == (
        SpotPurchaseStatus.REFUSED, "Use the walking group", manager)
    page = client_for(adviser_a).get(LIST).text
    assert f"Refused {today():%d/%m/%Y}: Use the walking group" in page


def test_missing_choice_is_refused_with_the_message(client_for, manager, purchase):
    response = client_for(manager).post(_decide_url(purchase), {"reason": "x"}, follow=True)
    assert "Choose approve or refuse." in response.text
    purchase.refresh_from_db()
    assert purchase.status == SpotPurchaseStatus.REQUESTED


@pytest.mark.parametrize(("first", "second", "status_label"), [
    ({"approve": "yes"}, {"approve": "no", "reason": "Changed my mind"}, "approved"),
    ({"approve": "no", "reason": "Too dear"}, {"approve": "yes"}, "refused"),
])
def test_deciding_twice_is_refused(client_for, manager, purchase, first, second, status_label):
    client = client_for(manager)
    client.post(_decide_url(purchase), first)
    purchase.refresh_from_db()
    decided = (purchase.status, purchase.refusal_reason, purchase.history.count())
    response = client.post(_decide_url(purchase), second, follow=True)
    assert f"This spot purchase is already {status_label}." in response.text
    purchase.refresh_from_db()
    assert (purchase.status, purchase.refusal_reason, purchase.history.count()) == decided


@pytest.mark.parametrize("persona", ["adviser_a", "adviser_other", "gp_a", "provider_staff", "commissioner"])
def test_only_the_manager_decides(request, client_for, purchase, persona):
    response = client_for(request.getfixturevalue(persona)).post(_decide_url(purchase), {"approve": "yes"})
    assert response.status_code == 404
    purchase.refresh_from_db()
    assert purchase.status == SpotPurchaseStatus.REQUESTED


def test_deciding_is_post_only_and_needs_a_login(client, client_for, manager, purchase):
    url = _decide_url(purchase)
    assert client.post(url, {"approve": "yes"}).url == f"/accounts/login/?next={url}"
    assert client_for(manager).get(url).status_code == 405
    purchase.refresh_from_db()
    assert purchase.status == SpotPurchaseStatus.REQUESTED


# The list -----------------------------------------------------------------------------------------------------


@pytest.fixture
def two_providers(provider_staff, referral, adviser_a):
    ours = SpotPurchaseFactory(referral=referral, provider=provider_staff.provider, requested_by=adviser_a,
                               description="Befriending taxi fares", reason="Housebound, no transport service")
    theirs = SpotPurchaseFactory(referral=referral, provider=ProviderFactory(), requested_by=adviser_a,
                                 description="Gardening therapy sessions")
    return ours, theirs


def test_provider_staff_see_only_their_organisations_spot_purchases(client_for, provider_staff, two_providers):
    response = client_for(provider_staff).get(LIST)
    assert response.status_code == 200
    assert "Befriending taxi fares" in response.text
    assert "Gardening therapy sessions" not in response.text
    for hidden in ["Edna", "Hague", "Housebound, no transport service"]:
        assert hidden not in response.text


def test_adviser_sees_their_referrals_spot_purchases_and_the_other_adviser_does_not(client_for, adviser_a,
                                                                                    adviser_other, two_providers):
    mine = client_for(adviser_a).get(LIST).text
    assert "Befriending taxi fares" in mine and "Gardening therapy sessions" in mine and "Edna Hague" in mine
    theirs = client_for(adviser_other).get(LIST).text
    for hidden in ["Befriending taxi fares", "Gardening therapy sessions", "Hague"]:
        assert hidden not in theirs


def test_manager_sees_all_with_the_buttons_to_decide(client_for, manager, two_providers):
    page = client_for(manager).get(LIST).text
    assert "Befriending taxi fares" in page and "Gardening therapy sessions" in page
    for purchase in two_providers:
        assert _decide_url(purchase) in page


@pytest.mark.parametrize("persona", ["gp_a", "commissioner"])
def test_list_is_404_for_gps_and_the_commissioner(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(LIST).status_code == 404


def test_list_needs_a_login(client):
    assert client.get(LIST).url == f"/accounts/login/?next={LIST}"


@pytest.mark.parametrize("persona", ["manager", "adviser_a", "provider_staff"])
def test_list_query_count_does_not_grow_with_rows(request, client_for, practice_a, django_assert_num_queries,
                                                  persona):
    user = request.getfixturevalue(persona)
    staff_provider = request.getfixturevalue("provider_staff").provider
    adviser = request.getfixturevalue("adviser_a")

    def add_rows(n):
        for _ in range(n):
            referral = ReferralFactory(patient__practice=practice_a, status=Status.ACTIVE)
            SpotPurchaseFactory(referral=referral, provider=staff_provider, requested_by=adviser)
            SpotPurchaseFactory(referral=referral, provider=staff_provider, requested_by=UserFactory(role="adviser"),
                                status="approved", decided_by=UserFactory(role="manager"), decided_date=today())
            SpotPurchaseFactory(referral=referral, status="refused", decided_by=UserFactory(role="manager"),
                                decided_date=today(), refusal_reason="No")

    add_rows(2)
    client = client_for(user)
    with django_assert_num_queries(8):
        page = client.get(LIST).text
    rows = page.count("<tr>") - 1
    assert rows >= 4
    add_rows(4)
    with django_assert_num_queries(8):
        page = client.get(LIST).text
    assert page.count("<tr>") - 1 == rows * 3
