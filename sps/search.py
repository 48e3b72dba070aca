"""Searches by name or NHS number are posted and kept in the session, never put in a URL, where proxies and
server logs would keep them (docs/security.md). The view redirects to its list, which reads the term back."""

from django import forms
from django.http import HttpRequest


def querystring_without(request: HttpRequest, *keys: str) -> str:
    """The list's query string (its filters, never a name or NHS number) without these parameters: the page
    numbers, which a new search or filter starts again."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def keep_posted_term(request: HttpRequest, form: forms.Form, *, field: str, key: str) -> bool:
    """Keep the posted `field` under `key` in the session, or forget it when "clear" was pressed. True once
    done (redirect to the list); False when the form is invalid (show it with its errors)."""
    if "clear" in request.POST:
        request.session.pop(key, None)
        return True
    if form.is_valid():
        request.session[key] = form.cleaned_data[field]
        return True
    return False
