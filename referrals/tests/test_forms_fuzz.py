"""Any input to a referrals form gives field errors or success, never an exception; the pages that bind them
answer anything a browser can send with the form again or a redirect, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import referrals.forms
from referrals.forms import (
    AssignForm,
    CloseForm,
    DeclineForm,
    FindPatientForm,
    PatientForm,
    ReferralEditForm,
    ReferralFilterForm,
    ReferralForm,
    ReopenForm,
)
from referrals.models import Status
from referrals.tests.factories import PatientFactory, ReferralFactory
from sps.lib.dates import today
from sps.tests.fuzzing import FUZZ, assert_answered, assert_clean_outcome, form_classes, form_data, rolled_back

FORMS = form_classes(referrals.forms)
# What a view passes besides the data, for the forms that need more.
EXTRA = {
    "ReferralEditForm": lambda referral: {"instance": referral},
}


def test_the_known_forms_are_found():
    assert {"PatientForm", "ReferralForm", "CloseForm", "ReferralEditForm"} <= set(FORMS)


@pytest.fixture
def supported(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ASSESSED,
                           adviser=adviser_a, referral_date=today() - dt.timedelta(days=90))


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data())
def test_any_input_to_a_referrals_form_gives_errors_or_success(name, data, supported):
    extra = EXTRA.get(name, lambda referral: {})(supported)
    form = FORMS[name](data.draw(form_data(FORMS[name](**extra)), label="data"), **extra)
    with rolled_back():
        assert_clean_outcome(form)
        if name == "ReferralFilterForm":
            form.filters()


# The pages: each fixture checks once that the persona reaches the form (a post of no field shows it again with
# errors), so that a refusal cannot pass for "no 500".


def _post(client, url, form, data):
    with rolled_back():
        response = client.post(url, dict(data.draw(form_data(form), label="post").lists()))
    assert_answered(response)
    return response


def _reaches_form(client, url):
    response = client.post(url, {"unrelated": ""})  # an empty POST would leave the form unbound
    assert response.status_code == 200, response.status_code
    assert "is-invalid" in response.text or "This field is required." in response.text


@pytest.fixture
def gp_reaches_patient_form(client_for, gp_a):
    _reaches_form(client_for(gp_a), reverse("referrals:patient_create"))


@FUZZ
@given(data=st.data())
def test_patient_page_answers_any_post(client_for, gp_a, gp_reaches_patient_form, data):
    _post(client_for(gp_a), reverse("referrals:patient_create"), PatientForm(), data)


@pytest.fixture
def gp_patient(client_for, gp_a):
    patient = PatientFactory(practice=gp_a.practice)
    _reaches_form(client_for(gp_a), reverse("referrals:create", args=[patient.pk]))
    return patient


@FUZZ
@given(data=st.data())
def test_referral_page_answers_any_post(client_for, gp_a, gp_patient, data):
    _post(client_for(gp_a), reverse("referrals:create", args=[gp_patient.pk]), ReferralForm(), data)


@pytest.fixture
def received(client_for, adviser_a):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.RECEIVED)
    _reaches_form(client_for(adviser_a), reverse("referrals:decline", args=[referral.pk]))
    return referral


@FUZZ
@given(data=st.data())
def test_decline_page_answers_any_post(client_for, adviser_a, received, data):
    _post(client_for(adviser_a), reverse("referrals:decline", args=[received.pk]), DeclineForm(), data)


@FUZZ
@given(data=st.data())
def test_assign_answers_any_post(client_for, manager, adviser_a, received, data):
    response = _post(client_for(manager), reverse("referrals:assign", args=[received.pk]), AssignForm(), data)
    assert response.status_code == 302


@pytest.fixture
def edit_url(client_for, adviser_a, supported):
    url = reverse("referrals:edit", args=[supported.pk])
    _reaches_form(client_for(adviser_a), url)
    return url


@FUZZ
@given(data=st.data())
def test_edit_page_answers_any_post(client_for, adviser_a, supported, edit_url, data):
    _post(client_for(adviser_a), edit_url, ReferralEditForm(instance=supported), data)


@pytest.fixture
def close_url(client_for, adviser_a, supported):
    url = reverse("casework:close", args=[supported.pk])
    _reaches_form(client_for(adviser_a), url)
    return url


@FUZZ
@given(data=st.data())
def test_close_page_answers_any_post(client_for, adviser_a, close_url, data):
    _post(client_for(adviser_a), close_url, CloseForm(), data)


@pytest.fixture
def reopen_url(client_for, adviser_a, supported):
    supported.status, supported.closure_reason, supported.closed_date = Status.CLOSED, "moved_away", today()
    supported.save()
    url = reverse("casework:reopen", args=[supported.pk])
    _reaches_form(client_for(adviser_a), url)
    return url


@FUZZ
@given(data=st.data())
def test_reopen_page_answers_any_post(client_for, adviser_a, reopen_url, data):
    _post(client_for(adviser_a), reopen_url, ReopenForm(), data)


@FUZZ
@given(data=st.data())
def test_list_and_find_pages_answer_any_search_and_query(client_for, manager, gp_a, supported, data):
    """The search is posted and kept in the session, the filters are in the query string."""
    filters = ReferralFilterForm()
    query = dict(data.draw(form_data(filters), label="filters").lists())
    query["page"] = data.draw(st.lists(st.one_of(st.integers().map(str), st.text()), min_size=1, max_size=2),
                              label="page")
    search = FORMS.get("SearchForm")
    for user in (manager, gp_a):
        client = client_for(user)
        if search is not None:
            response = client.post(reverse("referrals:list"), dict(data.draw(form_data(search()),
                                                                             label="search").lists()))
            assert response.status_code == 302, response.status_code
        response = client.get(reverse("referrals:list"), query)
        assert response.status_code == 200, response.status_code
    find = dict(data.draw(form_data(FindPatientForm()), label="find").lists())
    assert client_for(gp_a).post(reverse("referrals:find_patient"), find).status_code == 200
