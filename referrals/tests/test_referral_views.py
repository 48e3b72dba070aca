"""The referral list, patient lookup, adding a patient, and the lifecycle actions: the right person, the wrong
person (404) and nobody (to the login page), with query counts on the lists."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape

from referrals.models import Patient, Referral, Status
from referrals.tests.factories import PatientFactory, ReferralFactory
from sps.lib.dates import today
from sps.models import Role
from sps.tests.factories import UserFactory


def _login_url(url: str) -> str:
    return f"{reverse('login')}?next={url}"


@pytest.fixture
def two_practices(gp_a, gp_b, adviser_a, adviser_other):
    mine = [ReferralFactory(patient__practice=gp_a.practice, patient__family_name=f"Alpha{i}") for i in range(6)]
    theirs = [ReferralFactory(patient__practice=gp_b.practice, patient__family_name=f"Beta{i}") for i in range(3)]
    return mine, theirs


def test_gp_sees_only_their_practices_referrals(client_for, gp_a, two_practices, django_assert_num_queries):
    client = client_for(gp_a)
    with django_assert_num_queries(11):  # session, user, their practice, status counts, page count, page
        page = client.get(reverse("referrals:list")).text
    assert all(f"Alpha{i}" in page for i in range(6))
    assert not any(f"Beta{i}" in page for i in range(3))
    for i in range(6, 12):
        ReferralFactory(patient__practice=gp_a.practice, patient__family_name=f"Alpha{i}")
    with django_assert_num_queries(11):
        client.get(reverse("referrals:list"))


def test_gp_cannot_see_another_practices_referral_by_url(client_for, gp_b, two_practices):
    mine, _ = two_practices
    assert client_for(gp_b).get(reverse("casework:referral", args=[mine[0].pk])).status_code == 404


def test_adviser_sees_linked_practices_and_assigned_referrals(client_for, adviser_a, adviser_other, two_practices,
                                                             django_assert_num_queries):
    mine, theirs = two_practices
    theirs[0].adviser = adviser_a
    theirs[0].save()
    client = client_for(adviser_a)
    with django_assert_num_queries(10):  # session, user, counts, page count, page (no list of practices or advisers)
        page = client.get(reverse("referrals:list")).text
    assert "Alpha0" in page and "Beta0" in page and "Beta1" not in page
    assert client.get(reverse("casework:referral", args=[theirs[0].pk])).status_code == 200
    assert client_for(adviser_other).get(reverse("casework:referral", args=[mine[0].pk])).status_code == 404


def test_manager_sees_every_referral_and_filters(client_for, manager, gp_a, two_practices,
                                                django_assert_num_queries):
    client = client_for(manager)
    with django_assert_num_queries(11):  # and the count of practices' requests to move a patient
        page = client.get(reverse("referrals:list")).text
    assert "Alpha0" in page and "Beta0" in page
    by_practice = client.get(reverse("referrals:list"), {"practice": gp_a.practice.ods_code.lower()}).text
    assert "Alpha0" in by_practice and "Beta0" not in by_practice
    by_name = client.get(reverse("referrals:list"), {"practice": gp_a.practice.name[-8:]}).text
    assert "Alpha0" in by_name and "Beta0" in by_name  # "Medical Centre": both practices
    assigned = two_practices[1][0]
    assigned.adviser = UserFactory(role=Role.ADVISER, first_name="Philippa", last_name="Quartermaine")
    assigned.save()
    by_adviser = client.get(reverse("referrals:list"), {"adviser": "pHILIPPA quarter"}).text
    assert "Beta0" in by_adviser and "Alpha0" not in by_adviser
    assert "<option" not in by_adviser[by_adviser.index('id="id_practice"'):by_adviser.index('id="id_unassigned"')]
    searched = client.post(reverse("referrals:list"), {"q": "alpha3"}, follow=True)
    assert "Alpha3" in searched.text and "Alpha0" not in searched.text
    assert "alpha3" not in searched.redirect_chain[0][0]  # searched by POST: the name is in no URL
    nhs = two_practices[1][0].patient.nhs_number
    found = client.post(reverse("referrals:list"), {"q": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"}, follow=True).text
    assert "Beta0" in found and "Alpha0" not in found
    cleared = client.post(reverse("referrals:list"), {"q": "", "clear": "1"}, follow=True).text
    assert "Alpha0" in cleared and "Beta0" in cleared


def test_a_name_in_the_url_searches_nothing(client_for, manager, two_practices):
    page = client_for(manager).get(reverse("referrals:list"), {"q": "alpha3"}).text
    assert "Alpha0" in page


def test_status_filter(client_for, gp_a):
    ReferralFactory(patient__practice=gp_a.practice, patient__family_name="Waiting")
    ReferralFactory(patient__practice=gp_a.practice, patient__family_name="Done", status=Status.CLOSED)
    client = client_for(gp_a)
    received = client.get(reverse("referrals:list"), {"status": "received"}).text
    assert "Waiting" in received and "Done" not in received
    assert "Done" not in client.get(reverse("referrals:list"), {"status": "open"}).text


@pytest.mark.parametrize("persona", ["provider_staff", "commissioner"])
def test_roles_without_referrals_get_404_on_the_list(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("referrals:list")).status_code == 404


@pytest.mark.parametrize("name", ["referrals:list", "referrals:find_patient", "referrals:patient_create",
                                  "casework:caseload", "home"])
def test_pages_need_a_login(client, name):
    url = reverse(name)
    assert client.get(url).url == _login_url(url)


def test_find_patient_within_the_practice_only(client_for, gp_a, gp_b):
    ours = PatientFactory(practice=gp_a.practice, nhs_number="9434765919", family_name="Ours")
    theirs = PatientFactory(practice=gp_b.practice, family_name="Theirs")
    client = client_for(gp_a)
    found = client.post(reverse("referrals:find_patient"), {"nhs_number": "943 476 5919"}).text
    assert "Ours" in found and reverse("referrals:create", args=[ours.pk]) in found
    elsewhere = client.post(reverse("referrals:find_patient"), {"nhs_number": theirs.nhs_number}).text
    assert "registered at another practice" in elsewhere and "Theirs" not in elsewhere
    missing = client.post(reverse("referrals:find_patient"), {"nhs_number": "4010232137"}).text
    assert "is registered at your practice" in missing
    assert f'href="{reverse("referrals:patient_create")}"' in missing  # the number is not in the link...
    add = client.get(reverse("referrals:patient_create")).text
    assert 'value="4010232137"' in add  # ...but the form starts with it
    assert "Ours" not in client.get(reverse("referrals:find_patient"), {"nhs_number": "9434765919"}).text
    bad = client.post(reverse("referrals:find_patient"), {"nhs_number": "9434765918"}).text
    assert "Enter the NHS number as 10 digits, like 943 476 5919: this one&#x27;s check digit is wrong" in bad


def test_find_patient_shows_an_open_referral(client_for, gp_a, adviser_a):
    referral = ReferralFactory(patient__practice=gp_a.practice, status=Status.ACCEPTED, adviser=adviser_a)
    page = client_for(gp_a).post(reverse("referrals:find_patient"), {"nhs_number": referral.patient.nhs_number}).text
    assert "already has an open referral" in page and escape(str(adviser_a)) in page


def test_advisers_do_not_use_the_patient_lookup(client_for, adviser_a):
    assert client_for(adviser_a).get(reverse("referrals:find_patient")).status_code == 404


PATIENT = {"nhs_number": "943 476 5919", "given_name": "Dorothy", "family_name": "Hague",
           "date_of_birth": "1938-03-14", "sex": "F", "ethnicity": "A", "address": "1 Church Lane",
           "postcode": "s65 2ab", "phone": "01709 123456", "long_term_conditions": "COPD"}


def test_gp_adds_a_patient_to_their_practice(client_for, gp_a):
    response = client_for(gp_a).post(reverse("referrals:patient_create"), PATIENT)
    patient = Patient.objects.get()
    assert response.url == reverse("referrals:create", args=[patient.pk])
    assert (patient.nhs_number, patient.postcode, patient.practice) == ("9434765919", "S65 2AB", gp_a.practice)
    assert patient.history.get().history_user == gp_a


@pytest.mark.parametrize(("field", "value", "message"), [
    ("nhs_number", "9434765918", "this one&#x27;s check digit is wrong"),
    ("nhs_number", "1111111111", "all its digits are the same"),
    ("postcode", "XX1", "XX1 is not a UK postcode"),
    ("date_of_birth", (today() + dt.timedelta(days=1)).isoformat(), "The date of birth cannot be in the future."),
    ("family_name", "", "Enter the family name."),
    ("address", "", "Enter the patient&#x27;s address"),
    ("phone", "call me maybe", "Enter the phone number as a UK number"),
])
def test_adding_a_patient_with_bad_input_writes_nothing(client_for, gp_a, field, value, message):
    response = client_for(gp_a).post(reverse("referrals:patient_create"), {**PATIENT, field: value})
    assert response.status_code == 200 and message in response.text
    assert not Patient.objects.exists()


def test_a_patient_registered_elsewhere_is_not_added_again(client_for, gp_a, gp_b):
    PatientFactory(practice=gp_b.practice, nhs_number="9434765919", family_name="Elsewhere")
    response = client_for(gp_a).post(reverse("referrals:patient_create"), PATIENT)
    assert "registered at another practice" in response.text and "Elsewhere" not in response.text
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("persona", ["adviser_a", "manager", "provider_staff", "commissioner"])
def test_only_gp_staff_add_patients(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(reverse("referrals:patient_create"), PATIENT).status_code == 404
    assert not Patient.objects.exists()


@pytest.fixture
def received(gp_a):
    return ReferralFactory(patient__practice=gp_a.practice)


def test_gp_withdraws_before_acceptance(client_for, gp_a, received):
    response = client_for(gp_a).post(reverse("referrals:withdraw", args=[received.pk]),
                                     {"reason": "Referred in error."}, follow=True)
    assert "Referral withdrawn." in response.text
    received.refresh_from_db()
    assert (received.status, received.withdrawn_date) == (Status.WITHDRAWN, today())


def test_withdrawing_an_accepted_referral_is_refused(client_for, gp_a, adviser_a, received):
    received.status, received.adviser = Status.ACCEPTED, adviser_a
    received.save()
    response = client_for(gp_a).post(reverse("referrals:withdraw", args=[received.pk]),
                                     {"reason": "Referred in error."}, follow=True)
    assert "This referral is accepted, so it cannot be withdrawn." in response.text
    received.refresh_from_db()
    assert received.status == Status.ACCEPTED


def test_adviser_accepts_and_takes_the_referral_on(client_for, adviser_a, received):
    client_for(adviser_a).post(reverse("referrals:accept", args=[received.pk]))
    received.refresh_from_db()
    assert (received.status, received.adviser, received.decision_date) == (Status.ACCEPTED, adviser_a, today())
    assert received.history.first().history_user == adviser_a


def test_accepting_twice_is_refused(client_for, adviser_a, adviser_other, received):
    client = client_for(adviser_a)
    client.post(reverse("referrals:accept", args=[received.pk]))
    received.practice.advisers.add(adviser_other)
    again = client_for(adviser_other).post(reverse("referrals:accept", args=[received.pk]), follow=True)
    assert "This referral is accepted, so it cannot be accepted." in again.text
    received.refresh_from_db()
    assert received.adviser == adviser_a


def test_adviser_declines_with_a_reason(client_for, adviser_a, received):
    client = client_for(adviser_a)
    empty = client.post(reverse("referrals:decline", args=[received.pk]), {"reason": ""})
    assert "Enter the reason for declining the referral." in empty.text
    received.refresh_from_db()
    assert received.status == Status.RECEIVED
    client.post(reverse("referrals:decline", args=[received.pk]), {"reason": "No long-term condition recorded."})
    received.refresh_from_db()
    assert (received.status, received.decline_reason) == (Status.DECLINED, "No long-term condition recorded.")


def test_manager_assigns_an_adviser(client_for, manager, adviser_other, received):
    client_for(manager).post(reverse("referrals:assign", args=[received.pk]), {"adviser": adviser_other.pk})
    received.refresh_from_db()
    assert received.adviser == adviser_other
    assert client_for(adviser_other).get(reverse("casework:referral", args=[received.pk])).status_code == 200


def test_assigning_to_someone_who_is_not_an_adviser_is_refused(client_for, manager, gp_b, received):
    response = client_for(manager).post(reverse("referrals:assign", args=[received.pk]), {"adviser": gp_b.pk},
                                        follow=True)
    assert "Choose an adviser to assign from the list: the one sent is not an active adviser." in response.text
    received.refresh_from_db()
    assert received.adviser is None


@pytest.mark.parametrize(("name", "persona"), [
    ("referrals:withdraw", "gp_b"), ("referrals:withdraw", "adviser_a"), ("referrals:accept", "adviser_other"),
    ("referrals:accept", "gp_a"), ("referrals:decline", "adviser_other"), ("referrals:assign", "adviser_a"),
    ("referrals:assign", "gp_a"),
])
def test_the_wrong_person_gets_404_and_nothing_changes(request, client_for, received, name, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(reverse(name, args=[received.pk]), {"reason": "x"}).status_code == 404
    assert Referral.objects.get(pk=received.pk).status == Status.RECEIVED


@pytest.mark.parametrize("name", ["referrals:withdraw", "referrals:accept", "referrals:decline",
                                  "referrals:assign", "casework:referral"])
def test_lifecycle_actions_need_a_login(client, received, name):
    url = reverse(name, args=[received.pk])
    assert client.post(url).url == _login_url(url)


@pytest.mark.parametrize(("name", "persona"), [("referrals:accept", "adviser_a"), ("referrals:assign", "manager")])
def test_post_only_actions_refuse_get(request, client_for, received, name, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse(name, args=[received.pk])).status_code == 405


def test_caseload_is_for_advisers_only(client_for, gp_a, manager):
    assert client_for(gp_a).get(reverse("casework:caseload")).status_code == 404
    assert client_for(manager).get(reverse("casework:caseload")).status_code == 404


def test_caseload_lists_waiting_referrals_of_linked_practices_only(client_for, adviser_a, gp_b, received):
    ReferralFactory(patient__practice=gp_b.practice, patient__family_name="Elsewhere")
    page = client_for(adviser_a).get(reverse("casework:caseload")).text
    assert escape(received.patient.family_name) in page and "Elsewhere" not in page  # O'Connor is escaped
