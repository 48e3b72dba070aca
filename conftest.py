"""Personas shared by every test (house style): a GP at practice A, a GP at practice B, an adviser linked to A,
an adviser not linked to A, provider staff, the manager and the commissioner."""

import os
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import Provider
from sps.models import Role
from sps.tests.factories import AdviserFactory, GPFactory, PracticeFactory, UserFactory
from sps.tests.signin import sign_in as sign_in_client

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the tests' own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    """The live server serves static files through the finders, which know nothing of hashed names, so the tests
    use plain names; sps/tests/test_static_build.py checks the production build (hashed, compressed). Passwords
    are hashed quickly."""
    from django.conf import settings

    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # Every persona has a password; the production hasher takes a good part of a second each, by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def practice_a(db):
    return PracticeFactory(ods_code="C87001", name="Broom Lane Medical Centre")


@pytest.fixture
def practice_b(db):
    return PracticeFactory(ods_code="C87002", name="Clifton Medical Centre")


@pytest.fixture
def gp_a(practice_a):
    return GPFactory(username="gp_a", practice=practice_a)


@pytest.fixture
def gp_b(practice_b):
    return GPFactory(username="gp_b", practice=practice_b)


@pytest.fixture
def adviser_a(practice_a):
    adviser = AdviserFactory(username="adviser_a")
    practice_a.advisers.add(adviser)
    return adviser


@pytest.fixture
def adviser_other(practice_b):
    adviser = AdviserFactory(username="adviser_other")
    practice_b.advisers.add(adviser)
    return adviser


@pytest.fixture
def provider_staff(db):
    provider = Provider.objects.create(code="RVBS", name="Rother Valley Befriending Scheme")
    return UserFactory(username="provider_staff", role=Role.PROVIDER_STAFF, provider=provider)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER)


@pytest.fixture
def commissioner(db):
    return UserFactory(username="commissioner", role=Role.COMMISSIONER)


@pytest.fixture
def national_codes(db):
    """The two national codes, which migration referrals.0010 adds: a test that empties the tables removes them."""
    from referrals.services import add_national_codes

    add_national_codes()


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client signed in as `user`, second factor given."""
    return lambda user: sign_in_client(client, user)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """The system Chromium (Debian package `chromium`): no browser download."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("SPS_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} not found: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium to run the browser tests")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=en-GB"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser set up as in an English practice: dates typed day first, times in London."""
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture
def sign_in(live_server):
    """`sign_in(page, user)`: sign in through the login page, as a person would."""

    def sign_in(page, user):
        # The manager's second step: the code their authenticator app would show now.
        device = TOTPDevice.objects.create(user=user, name="Phone") if user.role == Role.MANAGER else None
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if device:
            page.get_by_label("Code").fill(f"{totp(device.bin_key):06d}")
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()

    return sign_in
