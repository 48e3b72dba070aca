"""Signing in as the NHS expects: lockout after repeated failures (by username and by address) with failed and
successful sign-ins logged, a second factor for the manager and the admin site, sessions that end, and pages
that no browser or proxy keeps."""

import datetime as dt
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sps.middleware import SIGNED_IN_AT

PASSWORD = "correct horse battery"


def _sign_in(client: Client, username: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# Lockout -------------------------------------------------------------------------------------------------------

def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, gp_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "gp_a", "wrong password!").status_code == 200  # the form again
    assert _sign_in(client, "gp_a", "wrong password!").status_code == 429  # the fifth locks
    locked = _sign_in(client, "gp_a")
    assert locked.status_code == 429 and "Signing in is paused" in locked.text
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_for_the_username_from_another_address(client, gp_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "gp_a", "wrong password!", address="10.0.0.1")
    assert _sign_in(Client(), "gp_a", address="10.9.9.9").status_code == 429


def test_the_lockout_holds_for_an_address_trying_many_usernames(client, gp_a, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, f"guess{n}", "wrong password!", address="10.6.6.6")
    assert _sign_in(Client(), "gp_a", address="10.6.6.6").status_code == 429
    assert _sign_in(Client(), "gp_a", address="10.0.0.2").status_code == 302  # others are not locked out


def test_failed_and_successful_sign_ins_are_logged(client, gp_a):
    _sign_in(client, "gp_a", "wrong password!")
    assert AccessFailureLog.objects.filter(username="gp_a", ip_address="10.0.0.1").count() == 1
    assert AccessAttempt.objects.get(username="gp_a").failures_since_start == 1
    assert _sign_in(client, "gp_a").status_code == 302
    assert AccessLog.objects.filter(username="gp_a", ip_address="10.0.0.1").exists()
    assert not AccessAttempt.objects.filter(username="gp_a").exists()  # a success starts the count again


# The second factor ---------------------------------------------------------------------------------------------

def test_the_manager_sets_up_an_authenticator_at_the_first_sign_in(client, manager):
    assert _sign_in(client, "manager").url == reverse("home")
    assert client.get(reverse("reports:overview")).url == reverse("two_factor")
    setup = client.get(reverse("two_factor"))
    assert 'src="data:image/svg+xml;base64,' in setup.text and "Turn on two-step sign-in" in setup.text
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    done = client.post(reverse("two_factor"), {"code": _code(device)})
    codes = re.findall(r"<li>([0-9a-f]{8})</li>", done.text)
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=manager).count() == 10
    assert client.get(reverse("reports:overview")).status_code == 200


def test_after_set_up_the_manager_gives_a_code_or_a_recovery_code_once(client, manager):
    device = TOTPDevice.objects.create(user=manager, name="Phone")
    _sign_in(client, "manager")
    assert "six-digit code" in client.get(reverse("two_factor")).text
    assert client.post(reverse("two_factor"), {"code": _code(device)}).url == reverse("home")
    assert client.get(reverse("reports:overview")).status_code == 200
    static = manager.staticdevice_set.create(name="Recovery codes")
    static.token_set.create(token="abcd1234")
    for attempt, signed_in in [(1, True), (2, False)]:
        other = Client()
        _sign_in(other, "manager")
        other.post(reverse("two_factor"), {"code": "abcd 1234"})
        assert (other.get(reverse("reports:overview")).status_code == 200) is signed_in, attempt


def test_a_wrong_code_is_refused_with_a_message(client, manager):
    device = TOTPDevice.objects.create(user=manager, name="Phone")
    _sign_in(client, "manager")
    wrong = client.post(reverse("two_factor"), {"code": "000000" if _code(device) != "000000" else "111111"})
    assert "That code is not right" in wrong.text
    assert client.get(reverse("reports:overview")).url == reverse("two_factor")


def test_the_admin_site_needs_the_second_factor(client, manager):
    _sign_in(client, "manager")
    assert client.get("/admin/").url == reverse("two_factor")


def test_the_second_factor_is_optional_for_others_until_they_set_it_up(client, gp_a):
    _sign_in(client, "gp_a")
    assert client.get(reverse("referrals:list")).status_code == 200
    TOTPDevice.objects.create(user=gp_a, name="Phone")
    other = Client()
    _sign_in(other, "gp_a", address="10.0.0.3")
    assert other.get(reverse("referrals:list")).url == reverse("two_factor")


def test_two_factor_page_needs_a_password_first(client):
    assert client.get(reverse("two_factor")).url.startswith(reverse("login"))


# Sessions ------------------------------------------------------------------------------------------------------

def test_sessions_end_when_the_browser_closes_and_after_30_idle_minutes(client, gp_a):
    _sign_in(client, "gp_a")
    response = client.get(reverse("referrals:list"))
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    assert client.session.get_expiry_age() == 30 * 60
    expires = client.session.get_expiry_date()
    assert dt.timedelta(minutes=29) < expires - timezone.now() <= dt.timedelta(minutes=30)


def test_a_session_ends_12_hours_after_signing_in_however_busy(client, gp_a):
    _sign_in(client, "gp_a")
    client.get(reverse("referrals:list"))
    session = client.session
    session[SIGNED_IN_AT] = (timezone.now() - dt.timedelta(hours=12, minutes=1)).timestamp()
    session.save()
    response = client.get(reverse("referrals:list"))
    assert response.url == reverse("login")
    assert client.get(reverse("referrals:list")).url.startswith(reverse("login"))


def test_passwords_need_12_characters():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Kx7#mq2!pZ")
    validate_password("a-long-enough-passphrase")


# Headers -------------------------------------------------------------------------------------------------------

def test_signed_in_pages_are_never_stored_and_have_a_content_security_policy(client_for, gp_a, client):
    page = client_for(gp_a).get(reverse("referrals:list"))
    assert "no-store" in page["Cache-Control"]
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_sign_in_page_has_the_policy_too(client):
    assert "default-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


def test_no_template_has_inline_script_style_or_event_handlers():
    templates = Path(__file__).resolve().parents[2] / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"\son[a-z]+=", text), path
        assert " style=" not in text and "<style" not in text, path
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, (path, tag)


def test_behind_the_proxy_the_lockout_counts_each_client_not_the_proxy(client, gp_a, settings):
    """Every request reaches the service from the proxy's address; the client's is the last X-Forwarded-For."""
    settings.BEHIND_HTTPS_PROXY = True

    def through_proxy(c, username, password, client_address):
        return c.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.99",
                      HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_address}")

    for n in range(settings.AXES_FAILURE_LIMIT):
        through_proxy(client, f"guess{n}", "wrong password!", "192.0.2.10")
    assert through_proxy(Client(), "gp_a", PASSWORD, "192.0.2.10").status_code == 429  # that client is locked out
    assert through_proxy(Client(), "gp_a", PASSWORD, "192.0.2.20").status_code == 302  # the others are not
    assert not AccessFailureLog.objects.filter(ip_address__in=["10.0.0.99", "6.6.6.6"]).exists()
