"""The same form posted twice, one after the other or at the same moment, makes one referral, one assessment,
one onward referral (issue 13, "Nothing lost when things fail"): the form carries a key, the record keeps it
under a unique constraint, and the repeat goes to what the first post made, with a message."""

import re
import threading
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from outcomes.models import Assessment
from outcomes.tests.factories import visit_post
from providers.models import OnwardReferral
from providers.tests.factories import GrantFactory, ServiceFactory
from referrals.models import Referral, Status
from referrals.tests.factories import PatientFactory, ReferralFactory
from sps.idempotency import ALREADY_MADE
from sps.lib.dates import today
from sps.tests.signin import sign_in

REFERRAL = {"reason": "Lives alone, three falls this year.", "needs": ["befriending"], "needs_detail": "",
            "source": "gp", "mdt_date": "", "risk_score": "", "urgency": "routine", "consent_referral": "on",
            "consent_share": "on"}
KEY = re.compile(r'<input type="hidden" name="idempotency_key" value="([0-9a-f-]{36})"')


@dataclass
class Form:
    url: str
    data: dict
    model: type
    user: object
    success: str  # where a post that made (or had made) the record leads


def _referral_form(gp_a, adviser_a, provider_staff) -> Form:
    patient = PatientFactory(practice=gp_a.practice)
    return Form(reverse("referrals:create", args=[patient.pk]), REFERRAL, Referral, gp_a, "casework:referral")


def _accepted_referral(gp_a, adviser_a):
    return ReferralFactory(patient__practice=gp_a.practice, referral_date=today(), status=Status.ACCEPTED,
                           adviser=adviser_a)


def _visit_form(gp_a, adviser_a, provider_staff) -> Form:
    referral = _accepted_referral(gp_a, adviser_a)
    return Form(reverse("outcomes:home_visit", args=[referral.pk]), visit_post(on=today(), reading_kind="", score=""),
                Assessment, adviser_a, "casework:referral")


def _onward_form(gp_a, adviser_a, provider_staff) -> Form:
    referral = _accepted_referral(gp_a, adviser_a)
    service = ServiceFactory(provider=provider_staff.provider)
    GrantFactory(provider=service.provider, services=[service])
    return Form(reverse("providers:onward_create", args=[referral.pk, service.pk]),
                {"need": "befriending", "notes": "", "made_date": today().isoformat(), "send": "on"},
                OnwardReferral, adviser_a, "casework:referral")


def _other_onward_form(gp_a, adviser_a, provider_staff) -> Form:
    referral = _accepted_referral(gp_a, adviser_a)
    return Form(reverse("providers:onward_create_other", args=[referral.pk]),
                {"kind": "non_vcs", "destination": "Adult Social Care", "need": "", "notes": "",
                 "made_date": today().isoformat()}, OnwardReferral, adviser_a, "casework:referral")


FORMS = [_referral_form, _visit_form, _onward_form, _other_onward_form]
IDS = ["referral", "home visit", "onward referral", "non-VCS referral or signpost"]


@pytest.fixture(params=FORMS, ids=IDS)
def form(request, gp_a, adviser_a, provider_staff) -> Form:
    return request.param(gp_a, adviser_a, provider_staff)


def _key(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return KEY.search(page.text).group(1)


def test_every_showing_of_the_form_has_a_new_key(client_for, form):
    client = client_for(form.user)
    assert _key(client, form.url) != _key(client, form.url)


def test_the_same_form_posted_twice_makes_one_and_the_repeat_goes_to_it(client_for, form):
    client = client_for(form.user)
    data = {**form.data, "idempotency_key": _key(client, form.url)}
    first = client.post(form.url, data)
    second = client.post(form.url, data)
    made = form.model.objects.get()
    where = reverse(form.success, args=[made.referral_id if form.model is not Referral else made.pk])
    assert (first.status_code, first.url) == (302, where)
    assert (second.status_code, second.url) == (302, where)
    # The first post's "sent" (not yet shown: the redirects were not followed), then the repeat's, and only that.
    said = [str(m) for m in get_messages(second.wsgi_request)]
    assert len(said) == 2 and said[1] == ALREADY_MADE and said[0] != ALREADY_MADE


def test_a_new_showing_of_the_form_makes_another(client_for, adviser_a, gp_a, provider_staff):
    """The key stops a repeat, not a second contact recorded on purpose."""
    form = _visit_form(gp_a, adviser_a, provider_staff)
    client = client_for(form.user)
    for _ in range(2):
        client.post(form.url, {**form.data, "idempotency_key": _key(client, form.url)})
    assert Assessment.objects.count() == 2


def test_a_post_without_a_key_or_with_a_mangled_one_is_still_taken(client_for, adviser_a, gp_a, provider_staff):
    """Pages shown before the change, and hand-made posts: no protection, but no refusal either."""
    form = _visit_form(gp_a, adviser_a, provider_staff)
    client = client_for(form.user)
    assert client.post(form.url, form.data).status_code == 302
    assert client.post(form.url, {**form.data, "idempotency_key": "not-a-key"}).status_code == 302
    assert Assessment.objects.count() == 2


def test_a_repeat_of_a_refused_form_shows_the_same_message(client_for, gp_a):
    """Nothing was made, so the repeat is a first try again and is refused the same way."""
    patient = PatientFactory(practice=gp_a.practice)
    client = client_for(gp_a)
    url = reverse("referrals:create", args=[patient.pk])
    data = {**REFERRAL, "consent_referral": "", "idempotency_key": _key(client, url)}
    for _ in range(2):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "The patient must agree to the referral before it is sent." in response.text
    assert not Referral.objects.exists()


@pytest.mark.parametrize("make_form", FORMS, ids=IDS)
def test_the_same_form_posted_at_the_same_moment_makes_one_and_no_error(transactional_db, make_form, gp_a,
                                                                         adviser_a, provider_staff):
    """Four posts of one form at once, each on its own connection to PostgreSQL, as four web workers would."""
    if connection.vendor != "postgresql":
        pytest.skip("simultaneous connections need PostgreSQL (the SQLite test database lives in memory)")
    form = make_form(gp_a, adviser_a, provider_staff)
    key = _key(sign_in(Client(), form.user), form.url)
    clients = [sign_in(Client(), form.user) for _ in range(4)]
    start = threading.Barrier(len(clients))
    statuses = []

    def post(client: Client) -> None:
        try:
            start.wait()
            statuses.append(client.post(form.url, {**form.data, "idempotency_key": key}).status_code)
        finally:
            connection.close()  # the thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=post, args=[client]) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(clients)
    assert form.model.objects.count() == 1


def test_a_key_already_used_elsewhere_is_refused_plainly(client_for, adviser_a, gp_a, provider_staff):
    """Only a hand-made post can carry another form's key: it makes nothing, and says so instead of failing."""
    first, other = (_visit_form(gp_a, adviser_a, provider_staff) for _ in range(2))
    client = client_for(adviser_a)
    data = {**first.data, "idempotency_key": _key(client, first.url)}
    client.post(first.url, data)
    response = client.post(other.url, data)
    assert response.status_code == 200
    assert "This form was already sent. Open it again to make another." in response.text
    assert Assessment.objects.count() == 1
