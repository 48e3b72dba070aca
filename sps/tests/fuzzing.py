"""Hypothesis strategies for hostile input: what a browser, a script or an old spreadsheet might send.

Shared by the `test_*_fuzz.py` modules. A form is bound the way a request binds it (a QueryDict: every value a
string, any key repeated); a value is sometimes plausible for its field, so that the checks after the first one
are reached too, and sometimes hostile: any unicode (NUL and the surrogate-free rest), very long, odd dates,
numbers out of range, repeated."""

import datetime as dt
import os
from contextlib import contextmanager
from types import ModuleType

from django import forms
from django.db import transaction
from django.http import QueryDict
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

# The database fixtures are set up once per test, not per example: each example undoes its own writes.
# FUZZ_EXAMPLES=2000 for a long search now and then; the default keeps `make test` quick.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "50")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ODD_STRINGS = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "\ufeff", "\u202e", "\r\n", "\t", "NaN", "nan", "inf", "-inf", "1e309",
    "-1", "0", "-0", "1.5", "1,000", "£1,000.00", "99999999999999999999", "1" * 5000, "\u0661\u0662", "\uff11\uff12",
    "0001-01-01", "9999-12-31", "0000-00-00", "10000-01-01", "2026-02-30", "31/02/2025", "1/1/1", "29/02/1900",
    "<script>alert(1)</script>", "' OR 1=1 --", "%s%s%n", "{{ request }}", "../../etc/passwd", "\U0001f600",
    "on", "yes", "true", "False", "None", "null", "[]", "{}",
]


def long_strings() -> st.SearchStrategy[str]:
    """Far past any column's length: a repeated character (NUL included) or a long run of text."""
    return st.one_of(
        st.builds(lambda char, n: char * n, st.sampled_from(["x", "\x00", "é", "9", " ", "\U0001f600"]),
                  st.sampled_from([201, 256, 1001, 70_000])),
        st.text(min_size=200, max_size=2000),
    )


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.text(), st.sampled_from(ODD_STRINGS), long_strings(),
                     st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"])))


def iso_dates(*, low: dt.date = dt.date.min, high: dt.date = dt.date.max) -> st.SearchStrategy[str]:
    """A real date as the browser's picker sends it, or as DD/MM/YYYY, anywhere in the calendar."""
    return st.dates(min_value=low, max_value=high).flatmap(
        lambda day: st.sampled_from([day.isoformat(), f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day.year}"]))


def plausible(field: forms.Field) -> st.SearchStrategy[str]:
    """A value that might pass `field`, so that the checks beyond it are reached too."""
    if isinstance(field, forms.ModelChoiceField):
        return st.sampled_from([str(pk) for pk in field.queryset.values_list("pk", flat=True)[:20]] or ["1"])
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, label in field.choices if not isinstance(label, (list, tuple))]
        return st.sampled_from(values or [""])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "true", "1", "false", ""])
    if isinstance(field, forms.DateField):
        return iso_dates()
    if isinstance(field, (forms.IntegerField, forms.FloatField, forms.DecimalField)):
        return st.one_of(st.integers(-(10 ** 12), 10 ** 12).map(str),
                         st.floats(allow_nan=True, allow_infinity=True).map(str),
                         st.decimals(allow_nan=True, allow_infinity=True).map(str))
    return st.text(max_size=50)


def form_data(form: forms.Form) -> st.SearchStrategy[QueryDict]:
    """Request data for `form`'s fields: any field absent, given once, or given several times; and a key no form
    asks for."""
    def values(field):
        return st.lists(st.one_of(plausible(field), hostile_text()), min_size=1, max_size=3)

    optional = {name: values(field) for name, field in form.fields.items()}
    optional["csrfmiddlewaretoken"] = st.lists(hostile_text(), min_size=1, max_size=1)
    return st.fixed_dictionaries({}, optional=optional).map(query_dict)


def query_dict(data: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


def assert_clean_outcome(form: forms.Form) -> None:
    """The property every form must have: a yes or no, never an exception; errors a person can read; and what
    it lets through can be stored (PostgreSQL refuses a NUL character in text)."""
    valid = form.is_valid()
    assert valid in (True, False)
    for field, messages in form.errors.items():
        assert field in form.fields or field == "__all__", field
        assert all(isinstance(message, str) and message for message in messages), messages
    if valid:
        assert not any("\x00" in value for value in _strings(form.cleaned_data.values())), form.cleaned_data
    str(form)  # and the page can show it again, errors and all


def _strings(values):
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _strings(value)


@contextmanager
def rolled_back():
    """Each hypothesis example starts from the test's own data: whatever it wrote is undone."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def form_classes(module: ModuleType) -> dict[str, type[forms.BaseForm]]:
    """Every form class a module defines, so that a form added later is fuzzed too."""
    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__}


def assert_answered(response) -> None:
    """The form again (200) or on to the next page (302): not a 500, and not a sign-in or HTTPS redirect, which
    would mean the request never reached the form."""
    event(f"status {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert not response.url.startswith(("http", "/accounts/")), response.url
