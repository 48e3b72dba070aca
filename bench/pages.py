"""What the load benchmark's simulated people read off the pages (sign-in tokens, form fields, links) and the
six-digit codes their authenticator app would show. Plain Python without locust, so that the tests can import it."""

import hashlib
import hmac
import re
import struct
import time
from html.parser import HTMLParser

TOTP_STEP = 30  # seconds: django-otp's default, which the service keeps
TOTP_DIGITS = 6

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_REFERRAL_LINK = re.compile(r'href="/referrals/(\d+)/"')
_VISIT_LINK = re.compile(r'href="/outcomes/visit/(\d+)/"')
_LAST_PAGE = re.compile(r"Page \d+ of (\d+)")


def totp(key_hex: str, step: int) -> str:
    """The code an authenticator app shows for the time step `step` (RFC 6238, HMAC-SHA1, as django-otp)."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10 ** TOTP_DIGITS:0{TOTP_DIGITS}d}"


def current_step(now: float | None = None) -> int:
    return int(time.time() if now is None else now) // TOTP_STEP


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on the page ("" if it has none)."""
    found = _CSRF.search(html)
    return found.group(1) if found else ""


def referral_ids(html: str) -> list[int]:
    """The referrals a page links to, in the page's order, each once."""
    return list(dict.fromkeys(int(pk) for pk in _REFERRAL_LINK.findall(html)))


def visit_ids(html: str) -> list[int]:
    """The referrals the caseload offers to record a visit for."""
    return list(dict.fromkeys(int(pk) for pk in _VISIT_LINK.findall(html)))


def last_page(html: str) -> int:
    """The number of pages of the (first) list shown a page at a time; 1 when it fits on one."""
    found = _LAST_PAGE.search(html)
    return int(found.group(1)) if found else 1


class _FormFields(HTMLParser):
    """The fields of the posted form that holds `marker` (a field name): what a browser would send unchanged."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker
        self.forms: list[list[tuple[str, str]]] = []
        self.names: list[set[str]] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append([])
            self.names.append(set())
            self.inside = True
        elif tag == "input" and self.inside and attrs.get("name"):
            self.names[-1].add(attrs["name"])
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file"):
                self.forms[-1].append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, marker: str) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser would post from the form with a field named `marker`: hidden fields,
    filled-in inputs and ticked boxes. Empty if no form on the page has that field."""
    parser = _FormFields(marker)
    parser.feed(html)
    for fields, names in zip(parser.forms, parser.names, strict=True):
        if marker in names:
            return fields
    return []
