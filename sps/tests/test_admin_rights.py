"""Admin rights: the manager keeps logins but cannot grant admin rights, set anyone's password or change a
superuser; new and imported logins are invited to choose their own password by a one-time link."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from sps.models import Role, User
from sps.services import user_invite
from sps.tests.factories import GPFactory, UserFactory
from sps.tests.signin import sign_in


@pytest.fixture
def admin_client(client, manager):
    return sign_in(client, manager)


def _change_url(user) -> str:
    return f"/admin/sps/user/{user.pk}/change/"


def test_the_managers_user_form_has_no_admin_rights_or_password(admin_client, gp_a):
    page = admin_client.get(_change_url(gp_a)).text
    for field in ["is_superuser", "is_staff", "user_permissions", "groups", "password"]:
        assert f'name="{field}"' not in page, field
    assert 'name="is_active"' in page


def test_posting_admin_rights_anyway_grants_nothing(admin_client, manager):
    form = admin_client.get(_change_url(manager)).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(is_superuser="on", is_staff="on", role=Role.MANAGER)
    admin_client.post(_change_url(manager), data)
    manager.refresh_from_db()
    assert not manager.is_superuser


def test_the_manager_cannot_set_anyones_password(admin_client, gp_a):
    url = f"/admin/sps/user/{gp_a.pk}/password/"
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"password1": "a-new-long-password", "password2": "a-new-long-password",
                                   "usable_password": "true"}).status_code == 403
    gp_a.refresh_from_db()
    assert gp_a.check_password("correct horse battery")


def test_the_manager_cannot_change_a_superuser(admin_client):
    root = User.objects.create_superuser("root", "root@example.nhs.uk", "a-long-root-password")
    assert 'name="_save"' not in admin_client.get(_change_url(root)).text  # shown read-only
    assert admin_client.post(_change_url(root), {"username": "root", "is_active": ""}).status_code == 403
    root.refresh_from_db()
    assert root.is_superuser and root.is_active


def test_a_superuser_may_grant_rights(db, client):
    root = User.objects.create_superuser("root", "root@example.nhs.uk", "a-long-root-password")
    page = sign_in(client, root).get(_change_url(root)).text
    assert 'name="is_superuser"' in page


def test_the_email_of_someone_with_a_password_cannot_be_changed_by_the_manager(admin_client, gp_a):
    form = admin_client.get(_change_url(gp_a)).context["adminform"].form
    assert "email" not in form.fields  # read only: a new address would let the manager reset their password


def test_a_new_login_gets_no_password_and_an_invitation_that_works_once(admin_client, client, practice_a,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/sps/user/add/", {
            "username": "new.gp", "first_name": "Nia", "last_name": "Evans", "email": "nia@gp.example.nhs.uk",
            "role": Role.GP_STAFF, "practice": practice_a.pk})
    assert response.status_code == 302
    user = User.objects.get(username="new.gp")
    assert not user.has_usable_password()
    [invitation] = mail.outbox
    assert invitation.to == ["nia@gp.example.nhs.uk"] and "new.gp" in invitation.body
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+/)", invitation.body).group(1)
    admin_client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.text
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a-long-new-password",
                                                          "new_password2": "a-long-new-password"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-new-password")
    assert "already been used" in client.get(link, follow=True).text


def test_people_without_a_password_can_ask_for_a_link(client, practice_a):
    GPFactory(username="imported", email="imported@gp.example.nhs.uk", practice=practice_a, password=None)
    User.objects.filter(username="imported").update(password="!unusable")
    client.post(reverse("password_reset"), {"email": "imported@gp.example.nhs.uk"})
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def test_the_manager_sends_invitations_to_those_still_without_a_password(admin_client, practice_a):
    waiting = UserFactory(username="waiting", role=Role.COMMISSIONER)
    User.objects.filter(pk=waiting.pk).update(password="!unusable")
    has_one = UserFactory(username="has_one", role=Role.COMMISSIONER)
    admin_client.post("/admin/sps/user/", {"action": "send_invitation", "_selected_action": [waiting.pk, has_one.pk]})
    assert [m.to for m in mail.outbox] == [[waiting.email]]


def test_no_invitation_for_a_deactivated_login(gp_a):
    gp_a.is_active = False
    assert user_invite(gp_a) is False and not mail.outbox


def test_nobody_deletes_a_login(admin_client, gp_a):
    admin_client.post(f"/admin/sps/user/{gp_a.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=gp_a.pk).exists()
