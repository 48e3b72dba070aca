"""Any input to the home-visit form gives field errors or success, never an exception; the page answers anything
a browser can send with the form again or a redirect, never a 500."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import outcomes.forms
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.tests.fuzzing import FUZZ, assert_answered, assert_clean_outcome, form_classes, form_data, rolled_back

FORMS = form_classes(outcomes.forms)


def test_the_known_forms_are_found():
    assert "HomeVisitForm" in FORMS


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data())
def test_any_input_to_an_outcomes_form_gives_errors_or_success(name, data, db):
    form = FORMS[name](data.draw(form_data(FORMS[name]()), label="data"))
    assert_clean_outcome(form)
    if form.is_valid() and hasattr(form, "service_arguments"):
        form.service_arguments()


@pytest.fixture
def visit_url(client_for, adviser_a):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ASSESSED,
                               adviser=adviser_a, referral_date=today() - dt.timedelta(days=90))
    url = reverse("outcomes:home_visit", args=[referral.pk])
    response = client_for(adviser_a).post(url, {"unrelated": ""})  # an empty POST would leave the form unbound
    assert response.status_code == 200 and "data-error-summary" in response.text
    return url


@FUZZ
@given(data=st.data())
def test_home_visit_page_answers_any_post(client_for, adviser_a, visit_url, data):
    query = {"reading": data.draw(st.sampled_from(["", "baseline", "review", "discharge", "\x00", "x" * 500]),
                                  label="reading")}
    with rolled_back():
        response = client_for(adviser_a).post(f"{visit_url}?{urlencode(query)}",
                                              dict(data.draw(form_data(FORMS["HomeVisitForm"]()),
                                                             label="post").lists()))
    assert_answered(response)
    assert client_for(adviser_a).get(visit_url, query).status_code == 200
