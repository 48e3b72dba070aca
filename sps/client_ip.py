"""Whose address a request came from, for the sign-in lockout (django-axes) and the access log."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Behind our own proxy (`BEHIND_HTTPS_PROXY`), the address the proxy saw: the last one in X-Forwarded-For
    (those before it are whatever the client sent, and can be forged). Otherwise the connection's own address.
    Without this, every request behind a proxy has the proxy's address, and a few wrong passwords anywhere would
    lock everybody out."""
    if settings.BEHIND_HTTPS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or None
