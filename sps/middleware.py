"""Sign-in rules that hold on every request: how long a session lasts, the second factor, and no caching of
signed-in pages."""

import datetime as dt
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device

from sps.models import Role

SIGNED_IN_AT = "signed_in_at"


class SessionLimitMiddleware:
    """A session ends 12 hours (SESSION_MAX_HOURS) after signing in, however busy it is; the idle limit and the
    end at browser close are Django's own (SESSION_COOKIE_AGE, SESSION_EXPIRE_AT_BROWSER_CLOSE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.setdefault(SIGNED_IN_AT, now)  # signing in starts a new session
            if now - started > dt.timedelta(hours=settings.SESSION_MAX_HOURS).total_seconds():
                logout(request)
                messages.info(request, "You were signed out: a session lasts at most "
                                       f"{settings.SESSION_MAX_HOURS} hours. Please sign in again.")
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


HAS_DEVICE = "has_second_factor"


def needs_second_factor(request) -> bool:
    """The manager always, anyone on the admin site, and anyone who has set up an authenticator app. Whether they
    have one is asked once a session (signing in starts a new one), not on every request."""
    if request.user.role == Role.MANAGER or request.path.startswith("/admin/"):
        return True
    if HAS_DEVICE not in request.session:
        request.session[HAS_DEVICE] = user_has_device(request.user, confirmed=True)
    return request.session[HAS_DEVICE]


@cache
def _open_paths() -> tuple[str, ...]:
    """What someone between their password and their code may still open."""
    return reverse("two_factor"), reverse("logout"), settings.STATIC_URL


class TwoFactorMiddleware:
    """Until the second factor is given, someone who needs it sees only the two-step sign-in pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(_open_paths()) \
                and needs_second_factor(request):
            return redirect(reverse("two_factor"))
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a signed-in person hold patient data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class CleanHeadersMiddleware:
    """A NUL character in the browser's name would reach the sign-in log (django-axes) and fail there: PostgreSQL
    text cannot hold one. Nothing legitimate sends it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        agent = request.META.get("HTTP_USER_AGENT", "")
        if "\x00" in agent:
            request.META["HTTP_USER_AGENT"] = agent.replace("\x00", "")
        return self.get_response(request)
