"""The access log: who saw which patient, when, how and from where; append-only; read by the manager."""

import csv
import io
import logging

import pytest
from django.db import connection
from django.urls import reverse

from outcomes.tests.factories import reading
from referrals.models import AccessAction, AccessEvent, Status
from referrals.tests.factories import PatientFactory, ReferralFactory


@pytest.fixture
def referral(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, patient__family_name="Quarmby", status=Status.ASSESSED,
                           adviser=adviser_a)


def test_viewing_a_referral_is_recorded_with_who_what_and_where(client_for, adviser_a, referral):
    client_for(adviser_a).get(reverse("casework:referral", args=[referral.pk]), REMOTE_ADDR="10.1.2.3")
    event = AccessEvent.objects.get()
    assert (event.user, event.action, event.what, event.patient, event.referral, event.ip_address) == (
        adviser_a, AccessAction.VIEWED, "referral page", referral.patient, referral, "10.1.2.3")


def test_printing_the_summary_is_recorded(client_for, adviser_a, referral):
    reading(referral, "baseline", referral.referral_date)
    client_for(adviser_a).get(reverse("casework:summary", args=[referral.pk]))
    assert AccessEvent.objects.get().action == AccessAction.PRINTED


def test_a_list_records_each_person_it_shows(client_for, gp_a, referral, practice_a):
    ReferralFactory(patient__practice=practice_a)
    client_for(gp_a).get(reverse("referrals:list"))
    assert AccessEvent.objects.filter(action=AccessAction.LISTED, user=gp_a).count() == 2


def test_a_patient_look_up_is_recorded(client_for, gp_a, referral):
    client_for(gp_a).post(reverse("referrals:find_patient"), {"nhs_number": referral.patient.nhs_number})
    assert AccessEvent.objects.get().patient == referral.patient


def test_the_log_cannot_be_changed_or_deleted_through_the_application(client_for, adviser_a, referral):
    client_for(adviser_a).get(reverse("casework:referral", args=[referral.pk]))
    event = AccessEvent.objects.get()
    event.what = "nothing to see"
    for attempt in (event.save, event.delete, lambda: AccessEvent.objects.all().delete(),
                    lambda: AccessEvent.objects.update(what="x")):
        with pytest.raises(PermissionError):
            attempt()
    assert AccessEvent.objects.get().what == "referral page"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("sql", ["UPDATE referrals_accessevent SET what = 'x'", "DELETE FROM referrals_accessevent"])
def test_the_database_refuses_changes_whoever_asks(client_for, adviser_a, referral, sql):
    from django.db import DatabaseError, transaction

    client_for(adviser_a).get(reverse("casework:referral", args=[referral.pk]))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessEvent.objects.count() == 1


def test_the_manager_reads_it_by_patient_without_the_number_in_a_url(client_for, manager, adviser_a, gp_a,
                                                                      referral, practice_a):
    other = ReferralFactory(patient__practice=practice_a)
    for target in (referral, other):
        client_for(adviser_a).get(reverse("casework:referral", args=[target.pk]))
    client = client_for(manager)
    response = client.post(reverse("referrals:access_log"), {"nhs_number": referral.patient.nhs_number})
    assert response.status_code == 302 and referral.patient.nhs_number not in response["Location"]
    page = client.get(response["Location"])
    shown = [e.patient for e in page.context["page"] if e.user == adviser_a]
    assert shown == [referral.patient]


def test_the_manager_filters_by_user_and_downloads_csv(client_for, manager, adviser_a, gp_a, referral):
    client_for(adviser_a).get(reverse("casework:referral", args=[referral.pk]))
    client_for(gp_a).get(reverse("casework:referral", args=[referral.pk]))
    client = client_for(manager)
    download = client.get(reverse("referrals:access_log"), {"user": adviser_a.pk, "download": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][0] == "When" and len(rows) == 2 and rows[1][1] == "adviser_a"
    assert rows[1][5] == referral.patient.nhs_number
    assert AccessEvent.objects.filter(user=manager, action=AccessAction.EXPORTED).exists()  # the export too


def test_the_log_page_query_count_does_not_grow(client_for, manager, adviser_a, practice_a,
                                                django_assert_num_queries):
    for _ in range(3):
        client_for(adviser_a).get(reverse("referrals:list"))
    for _ in range(5):
        ReferralFactory(patient__practice=practice_a)
    client_for(adviser_a).get(reverse("referrals:list"))
    client = client_for(manager)
    with django_assert_num_queries(9):
        client.get(reverse("referrals:access_log"))
    for _ in range(20):
        client_for(adviser_a).get(reverse("referrals:list"))
    client = client_for(manager)
    with django_assert_num_queries(9):
        client.get(reverse("referrals:access_log"))


def test_bad_filters_are_refused_not_a_500(client_for, manager):
    client = client_for(manager)
    assert client.get(reverse("referrals:access_log"), {"start": "not a date", "user": "x"}).status_code == 200
    response = client.post(reverse("referrals:access_log"), {"nhs_number": "1234"}, follow=True)
    assert response.status_code == 200


def test_application_logs_never_hold_an_nhs_number_or_a_name(client_for, client, gp_a, gp_b, adviser_a, manager,
                                                             caplog):
    patient = PatientFactory(practice=gp_a.practice, given_name="Hepzibah", family_name="Tollemache")
    referral = ReferralFactory(patient=patient)
    caplog.set_level(logging.DEBUG)
    gp = client_for(gp_a)
    gp.post(reverse("referrals:find_patient"), {"nhs_number": patient.nhs_number})
    gp.post(reverse("referrals:find_patient"), {"nhs_number": "9434765918"})  # fails the check
    gp.post(reverse("referrals:list"), {"q": "Tollemache"})
    client_for(gp_b).get(reverse("casework:referral", args=[referral.pk]))  # 404, logged as such
    client.post(reverse("login"), {"username": patient.family_name, "password": "wrong"})
    client_for(manager).post(reverse("referrals:access_log"), {"nhs_number": patient.nhs_number})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # something was logged, and none of it identifies the person
    for value in (patient.nhs_number, "Hepzibah", "Tollemache", "9434765918"):
        assert value not in logged
