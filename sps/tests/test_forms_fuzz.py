"""Any input to the sps forms (the period picker, the second-factor code, the manager's new-user form, the
password reset) gives field errors or success, never an exception; the sign-in pages answer anything without a
500."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import sps.admin
import sps.forms
import sps.periods
import sps.two_factor
from sps.tests.fuzzing import (
    FUZZ,
    assert_clean_outcome,
    form_classes,
    form_data,
    hostile_text,
    long_strings,
    rolled_back,
)

FORMS = {name: form for module in (sps.periods, sps.two_factor, sps.admin, sps.forms)
         for name, form in form_classes(module).items()}


def test_the_known_forms_are_found():
    assert "PeriodForm" in FORMS


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data())
def test_any_input_to_an_sps_form_gives_errors_or_success(name, data, practice_a, provider_staff):
    form = FORMS[name](data.draw(form_data(FORMS[name]()), label="data"))
    with rolled_back():
        assert_clean_outcome(form)
        if isinstance(form, sps.periods.PeriodForm):
            start, end = form.dates()
            assert start <= end


@FUZZ
@given(data=st.data())
def test_sign_in_and_password_reset_pages_answer_any_post(client, manager, data):
    login = {"username": data.draw(st.one_of(st.just("manager"), st.text(), long_strings()), label="username"),
             "password": data.draw(st.one_of(st.just("correct horse battery"), st.text()), label="password")}
    reset = dict(data.draw(form_data(sps.forms.PasswordResetForm()), label="reset").lists())
    with rolled_back():  # and so the lockout count starts again each time
        response = client.post(reverse("login"), login,
                               HTTP_USER_AGENT=data.draw(st.one_of(st.just("Mozilla/5.0"), hostile_text()),
                                                         label="agent"))
        assert response.status_code in (200, 302, 429), response.status_code
        client.logout()
        response = client.post(reverse("password_reset"), reset)
        assert response.status_code in (200, 302), response.status_code


@pytest.mark.parametrize(("username", "agent"), [("x" * 300, "Mozilla/5.0"), ("manager", "Mozilla\x00")],
                         ids=["long username", "NUL in User-Agent"])
def test_a_long_username_or_a_nul_in_the_browser_name_is_no_500(client, manager, username, agent):
    """Once a 500: django-axes records a failed sign-in, and its columns hold neither (255 characters; PostgreSQL
    text has no NUL)."""
    response = client.post(reverse("login"), {"username": username, "password": "not the password"},
                           HTTP_USER_AGENT=agent)
    assert response.status_code == 200
