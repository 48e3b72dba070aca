"""Any input to a providers form gives field errors or success, never an exception; the directory, onward
referral, spot purchase, inbox and dashboard pages answer anything a browser can send without a 500."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import providers.forms
from providers.forms import (
    DashboardFilterForm,
    DirectoryFilterForm,
    OnwardReferralForm,
    OtherOnwardForm,
    SpotPurchaseForm,
)
from providers.tests.factories import OnwardReferralFactory, ServiceFactory, SpotPurchaseFactory
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today
from sps.periods import PeriodForm
from sps.tests.fuzzing import (
    FUZZ,
    assert_answered,
    assert_clean_outcome,
    form_classes,
    form_data,
    hostile_text,
    iso_dates,
    rolled_back,
)

FORMS = form_classes(providers.forms)


def test_the_known_forms_are_found():
    assert {"OnwardReferralForm", "OtherOnwardForm", "SpotPurchaseForm", "SpotPurchaseDecisionForm"} <= set(FORMS)


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data())
def test_any_input_to_a_providers_form_gives_errors_or_success(name, data, db, provider_staff):
    form = FORMS[name](data.draw(form_data(FORMS[name]()), label="data"))
    with rolled_back():
        assert_clean_outcome(form)
        if hasattr(form, "filters"):
            form.filters()


@pytest.fixture
def supported(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ASSESSED,
                           adviser=adviser_a, referral_date=today() - dt.timedelta(days=90))


@pytest.fixture
def service(provider_staff):
    return ServiceFactory(provider=provider_staff.provider, code="RVBS-1", name="Telephone befriending")


def _post(client, url, form, data):
    with rolled_back():
        response = client.post(url, dict(data.draw(form_data(form), label="post").lists()))
    assert_answered(response)
    return response


def _reaches_form(client, url):
    response = client.post(url, {"unrelated": ""})  # an empty POST would leave the form unbound
    assert response.status_code == 200, response.status_code
    assert "data-error-summary" in response.text


@pytest.fixture
def onward_url(client_for, adviser_a, supported, service):
    url = reverse("providers:onward_create", args=[supported.pk, service.pk])
    _reaches_form(client_for(adviser_a), url)
    return url


@FUZZ
@given(data=st.data())
def test_onward_referral_page_answers_any_post(client_for, adviser_a, onward_url, data):
    _post(client_for(adviser_a), onward_url, OnwardReferralForm(), data)


@pytest.fixture
def other_url(client_for, adviser_a, supported):
    url = reverse("providers:onward_create_other", args=[supported.pk])
    _reaches_form(client_for(adviser_a), url)
    return url


@FUZZ
@given(data=st.data())
def test_other_onward_page_answers_any_post(client_for, adviser_a, other_url, data):
    _post(client_for(adviser_a), other_url, OtherOnwardForm(), data)


@pytest.fixture
def spot_url(client_for, adviser_a, supported):
    url = reverse("providers:spot_purchase_create", args=[supported.pk])
    _reaches_form(client_for(adviser_a), url)
    return url


@FUZZ
@given(data=st.data())
def test_spot_purchase_page_answers_any_post(client_for, adviser_a, provider_staff, spot_url, data):
    _post(client_for(adviser_a), spot_url, SpotPurchaseForm(), data)


@pytest.fixture
def onward(supported, service):
    return OnwardReferralFactory(referral=supported, service=service, made_date=today() - dt.timedelta(days=30),
                                 sent_date=today() - dt.timedelta(days=30))


@FUZZ
@given(data=st.data())
def test_onward_status_and_continued_answer_any_post(client_for, provider_staff, adviser_a, onward, data):
    for user in (provider_staff, adviser_a):
        client = client_for(user)
        for name, form in [("onward_status", providers.forms.OnwardStatusForm()),
                           ("onward_continued", providers.forms.ContinuedForm())]:
            response = _post(client, reverse(f"providers:{name}", args=[onward.pk]), form, data)
            assert response.status_code == 302


@FUZZ
@given(data=st.data())
def test_spot_purchase_decision_answers_any_post(client_for, manager, supported, provider_staff, data):
    purchase = SpotPurchaseFactory(referral=supported, provider=provider_staff.provider)
    response = _post(client_for(manager), reverse("providers:spot_purchase_decide", args=[purchase.pk]),
                     providers.forms.SpotPurchaseDecisionForm(), data)
    assert response.status_code == 302


@FUZZ
@given(data=st.data())
def test_directory_answers_any_query(client_for, adviser_a, manager, supported, service, data):
    query = dict(data.draw(form_data(DirectoryFilterForm()), label="query").lists())
    if data.draw(st.booleans(), label="from a referral"):
        query["referral"] = [str(supported.pk)]
    elif data.draw(st.booleans(), label="odd referral"):
        query["referral"] = data.draw(st.lists(hostile_text(), min_size=1, max_size=2), label="referral")
    for user in (adviser_a, manager):
        response = client_for(user).get(reverse("providers:directory"), query)
        assert response.status_code in (200, 404), response.status_code


@FUZZ
@given(data=st.data())
def test_inbox_answers_any_search_and_query(client_for, provider_staff, onward, data):
    client = client_for(provider_staff)
    form = FORMS.get("InboxSearchForm")
    if form is not None:
        _post(client, reverse("providers:inbox"), form(), data)
    query = {"status": data.draw(st.lists(st.one_of(st.sampled_from(["open", "all", "sent", ""]), hostile_text()),
                                          min_size=1, max_size=2), label="status"),
             "page": data.draw(st.lists(st.one_of(st.integers().map(str), hostile_text()), min_size=1, max_size=2),
                               label="page")}
    assert client.get(reverse("providers:inbox"), query).status_code == 200


@pytest.mark.parametrize("referral", ["\u00b2", "\u0661\u0662", "1" * 5000, "9" * 30])
def test_directory_with_an_odd_referral_number_is_a_404_not_a_500(client_for, adviser_a, referral):
    """Once a 500: str.isdigit() is true for "²" and for 5,000 digits, which int() refuses."""
    response = client_for(adviser_a).get(reverse("providers:directory"), {"referral": referral})
    assert response.status_code == 404


# The dashboard's period picker (sps.periods.PeriodForm): any period at all.


@FUZZ
@given(data=st.data())
def test_dashboard_answers_any_period(client_for, manager, onward, data):
    query = dict(data.draw(form_data(PeriodForm()), label="query").lists())
    if data.draw(st.booleans(), label="custom"):
        query.update(period=["custom"], start=[data.draw(iso_dates(), label="start")],
                     end=[data.draw(iso_dates(), label="end")])
    # Its filters and the page of each list (issue 13), anything at all.
    query.update(dict(data.draw(form_data(DashboardFilterForm()), label="filters").lists()))
    for param in ("grants_page", "providers_page"):
        query[param] = [data.draw(st.one_of(st.integers().map(str), hostile_text()), label=param)]
    response = client_for(manager).get(reverse("providers:dashboard"), query)
    assert response.status_code == 200, response.status_code
