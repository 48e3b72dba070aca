import datetime as dt

import pytest
from django.urls import reverse

from outcomes.models import Assessment, StarReading
from outcomes.tests.factories import reading, visit_post
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today


@pytest.fixture
def referral(adviser_a):
    return ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ACCEPTED,
                           adviser=adviser_a, referral_date=today() - dt.timedelta(days=60))


def _post(client, referral, **kwargs):
    return client.post(reverse("outcomes:home_visit", args=[referral.pk]), visit_post(**kwargs))


@pytest.mark.smoke
def test_baseline_visit_is_recorded_and_moves_the_referral_to_assessed(client_for, adviser_a, referral):
    response = _post(client_for(adviser_a), referral, on=today(), score=2, lifestyle="4", note_money="Debts")
    assert response.url == reverse("casework:referral", args=[referral.pk])
    star = StarReading.objects.get()
    assert (star.kind, star.lifestyle, star.money, star.notes) == ("baseline", 4, 2, {"money": "Debts"})
    assert star.assessment.adviser == adviser_a and star.assessment.needs == ["befriending"]
    referral.refresh_from_db()
    assert referral.status == Status.ASSESSED
    assert star.history.get().history_user == adviser_a


@pytest.mark.parametrize(("overrides", "field_message"), [
    ({"lifestyle": "6"}, "Score lifestyle from 1 to 5."),
    ({"money": None}, "Score money from 1 to 5."),
    ({"on": "future"}, "The date cannot be in the future."),
    ({"on": "before"}, "The date cannot be before the referral date"),
])
def test_bad_reading_is_refused_with_a_message_and_nothing_saved(client_for, adviser_a, referral, overrides,
                                                                  field_message):
    on = {"future": today() + dt.timedelta(days=1), "before": referral.referral_date - dt.timedelta(days=1)}.get(
        overrides.pop("on", None), today())
    response = _post(client_for(adviser_a), referral, on=on, **overrides)
    assert response.status_code == 200
    assert field_message in response.text
    assert "There is a problem: nothing was saved" in response.text
    assert not Assessment.objects.exists() and not StarReading.objects.exists()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_a_review_before_any_baseline_is_refused(client_for, adviser_a, referral):
    response = _post(client_for(adviser_a), referral, on=today(), reading_kind="review")
    assert "Record the baseline first" in response.text
    assert not StarReading.objects.exists()


def test_a_review_dated_on_or_before_the_baseline_is_refused(client_for, adviser_a, referral):
    reading(referral, "baseline", today() - dt.timedelta(days=10))
    response = _post(client_for(adviser_a), referral, on=today() - dt.timedelta(days=11), reading_kind="review")
    assert "must be after the baseline" in response.text
    assert StarReading.objects.count() == 1


def test_a_second_baseline_is_refused(client_for, adviser_a, referral):
    reading(referral, "baseline", today() - dt.timedelta(days=10))
    response = _post(client_for(adviser_a), referral, on=today())
    assert "already has a baseline" in response.text
    assert StarReading.objects.count() == 1 and not Assessment.objects.exists()


def test_a_review_shows_the_change_since_the_baseline_on_the_referral_page(client_for, adviser_a, referral):
    reading(referral, "baseline", today() - dt.timedelta(days=90), default=2)
    client = client_for(adviser_a)
    _post(client, referral, on=today(), reading_kind="review", score=3, money="2")
    page = client.get(reverse("casework:referral", args=[referral.pk])).text
    assert "Improved in 7 of 8 areas" in page
    assert "7 of the 8 low at baseline improved" in page


def test_a_contact_without_a_reading_needs_no_scores(client_for, adviser_a, referral):
    data = visit_post(on=today(), reading_kind="", score="")
    data = {k: v for k, v in data.items() if v != ""}
    data["reading_kind"] = ""
    client_for(adviser_a).post(reverse("outcomes:home_visit", args=[referral.pk]), data)
    assert Assessment.objects.count() == 1 and not StarReading.objects.exists()


@pytest.mark.parametrize("persona", ["gp_a", "adviser_other", "provider_staff", "commissioner"])
def test_others_cannot_record_or_open_the_visit_form(request, client_for, referral, persona):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("outcomes:home_visit", args=[referral.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, visit_post(on=today())).status_code == 404
    assert not StarReading.objects.exists()


def test_manager_may_record_a_visit(client_for, manager, referral):
    _post(client_for(manager), referral, on=today())
    assert StarReading.objects.count() == 1


def test_not_logged_in_is_sent_to_login(client, referral):
    url = reverse("outcomes:home_visit", args=[referral.pk])
    assert client.get(url).url == f"{reverse('login')}?next={url}"


def test_needs_ticked_at_a_visit_become_the_referrals_needs(client_for, adviser_a, referral):
    referral.needs = ["befriending", "advocacy"]
    referral.save()
    form = client_for(adviser_a).get(reverse("outcomes:home_visit", args=[referral.pk])).context["form"]
    assert form["needs"].value() == ["befriending", "advocacy"]  # the form starts from the referral's needs
    _post(client_for(adviser_a), referral, on=today(), needs=["dementia", "befriending"])
    referral.refresh_from_db()
    assert referral.needs == ["befriending", "dementia"]
    change = referral.history.latest()
    assert change.history_user == adviser_a and change.needs == ["befriending", "dementia"]


def test_a_visit_that_leaves_the_needs_alone_writes_no_change(client_for, adviser_a, referral):
    referral.needs = ["befriending"]
    referral.save()
    changes = referral.history.count()
    _post(client_for(adviser_a), referral, on=today(), needs=["befriending"], reading_kind=None)  # a phone call
    assert referral.history.count() == changes and Assessment.objects.count() == 1


def test_visit_notes_too_long_are_refused_naming_the_field(client_for, adviser_a, referral):
    response = _post(client_for(adviser_a), referral, on=today(), notes="x" * 5001)
    assert "Notes: Keep the notes to 5,000 characters (these have 5,001)." in response.text
    assert not Assessment.objects.exists()
