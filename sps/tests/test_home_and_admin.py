import pytest
from django.urls import reverse


@pytest.mark.parametrize(("persona", "target"), [("gp_a", "referrals:list"), ("adviser_a", "casework:caseload"),
                                                 ("manager", "reports:overview"), ("provider_staff", "providers:inbox"),
                                                 ("commissioner", "reports:evaluation")])
def test_each_role_starts_on_its_main_page(request, client_for, persona, target):
    assert client_for(request.getfixturevalue(persona)).get(reverse("home")).url == reverse(target)


def test_login_and_password_reset_pages_are_open(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200


def test_signing_in_with_the_standard_field_names(client, gp_a):
    response = client.post(reverse("login"), {"username": "gp_a", "password": "correct horse battery"})
    assert response.url == reverse("home")


def test_manager_keeps_reference_data_in_the_admin(client_for, manager, practice_a):
    client = client_for(manager)
    assert client.get("/admin/").status_code == 200
    assert practice_a.name in client.get("/admin/sps/practice/").text


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "provider_staff", "commissioner"])
def test_nobody_else_reaches_the_admin(request, client_for, persona, practice_a):
    response = client_for(request.getfixturevalue(persona)).get("/admin/sps/practice/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_admin_needs_a_login(client):
    assert "/admin/login/" in client.get("/admin/").url


def test_manager_can_move_a_patients_registration_in_the_admin(client_for, manager, practice_a, practice_b):
    from referrals.tests.factories import PatientFactory

    patient = PatientFactory(practice=practice_a)
    client = client_for(manager)
    form = client.get(f"/admin/referrals/patient/{patient.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(practice=practice_b.pk, date_of_birth="17/05/1940")
    response = client.post(f"/admin/referrals/patient/{patient.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.practice == practice_b
    moved = patient.history.latest()
    assert moved.history_user == manager and moved.practice_id == practice_b.pk
