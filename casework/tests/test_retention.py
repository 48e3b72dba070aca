"""Retention (issue 14): people whose every referral ended more than RETENTION_YEARS ago are listed for the manager
and anonymised; what identified them is gone, history included; every report figure stays the same."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.retention import ANONYMISED_NAME, anonymise, past_retention, retention_cutoff, same_ages_from
from providers.tests.factories import OnwardReferralFactory
from referrals.models import Patient, Referral, Status
from referrals.tests.factories import ReferralFactory
from reports import catalogue
from sps.lib.dates import today

D = dt.date


@pytest.fixture
def old_and_new(db, settings):
    """A demo borough, with 'today' moved on so that most of it is past retention."""
    settings.RETENTION_YEARS = 1
    call_command("seed_demo", "--force", referrals=300, practices=3, today=today() - dt.timedelta(days=3 * 365))
    return past_retention().count()


def test_a_birth_date_keeps_every_age_and_loses_the_birthday():
    born = D(1940, 6, 17)
    dates = [D(2020, 3, 1), D(2021, 8, 30), D(2019, 6, 17)]
    coarse = same_ages_from(born, dates)
    assert coarse <= born
    for day in dates:
        def age(b, d=day):
            return d.year - b.year - ((d.month, d.day) < (b.month, b.day))
        assert age(coarse) == age(born)
    assert same_ages_from(coarse, dates) == coarse  # the earliest such date


def test_only_people_whose_every_referral_ended_long_ago_are_listed(practice_a, adviser_a, settings):
    settings.RETENTION_YEARS = 8
    long_ago = retention_cutoff() - dt.timedelta(days=1)
    closed = closed_referral(practice_a, long_ago)
    declined = Referral.objects.create(patient=closed_referral(practice_a, long_ago).patient,
                                       practice=practice_a, referral_date=long_ago, status=Status.DECLINED,
                                       decision_date=long_ago)
    recent = closed_referral(practice_a, long_ago)
    Referral.objects.create(patient=recent.patient, practice=practice_a, referral_date=today(),
                            status=Status.RECEIVED)
    just_inside = closed_referral(practice_a, retention_cutoff())
    listed = set(past_retention())
    assert closed.patient in listed and declined.patient in listed
    assert recent.patient not in listed and just_inside.patient not in listed


def closed_referral(practice, ended):
    return ReferralFactory(patient__practice=practice, status=Status.CLOSED,
                           referral_date=ended - dt.timedelta(days=90), closed_date=ended,
                           reason="Lonely since her husband died", closure_note="Moved to Leeds")


def _every_figure() -> str:
    figures = {}
    for name in ("process", "wellbeing", "episodes", "roi"):
        for year in (2021, 2022, 2023, 2024, 2025):
            start, end = D(year, 4, 1), D(year + 1, 3, 31)
            figures[f"{name} {year}"] = catalogue.REPORTS[name](start=start, end=end)
            practices = list(Patient.objects.values_list("practice__ods_code", flat=True).distinct())
            figures[f"{name} {year} by practice"] = catalogue.BY_PRACTICE[name](start=start, end=end,
                                                                                practices=sorted(practices))
    return json.dumps(figures, sort_keys=True, default=str)


def test_anonymising_keeps_every_report_figure(old_and_new):
    assert old_and_new > 50
    before = _every_figure()
    assert anonymise(list(past_retention())) == old_and_new
    assert _every_figure() == before
    assert not past_retention().exists()


def test_what_identified_them_is_gone_history_included(practice_a, adviser_a, settings):
    settings.RETENTION_YEARS = 8
    referral = closed_referral(practice_a, retention_cutoff() - dt.timedelta(days=10))
    OnwardReferralFactory(referral=referral, notes="Ring her daughter first")
    patient = referral.patient
    nhs_number, family_name = patient.nhs_number, "Quennell"  # not a random name that may be in the dump anyway
    patient.phone, patient.family_name = "07911 123456", family_name
    patient.save()
    assert anonymise([patient]) == 1
    patient.refresh_from_db()
    referral.refresh_from_db()
    assert (patient.given_name, patient.family_name, patient.nhs_number, patient.address, patient.phone,
            patient.postcode) == (ANONYMISED_NAME, ANONYMISED_NAME, f"X{patient.pk:09d}", "", "", "ZZ99 3WZ")
    assert patient.anonymised_at and referral.reason == "" and referral.closure_note == ""
    assert referral.onward_referrals.get().notes == ""
    dump = json.dumps([list(Patient.history.filter(id=patient.pk).values()),
                       list(Referral.history.filter(id=referral.pk).values())], default=str)
    assert nhs_number not in dump and family_name not in dump and "Leeds" not in dump
    assert anonymise([patient]) == 0  # once


def test_someone_not_past_retention_is_never_anonymised(practice_a, settings):
    settings.RETENTION_YEARS = 8
    recent = closed_referral(practice_a, today() - dt.timedelta(days=10))
    assert anonymise([recent.patient]) == 0
    recent.patient.refresh_from_db()
    assert recent.patient.anonymised_at is None


def test_the_manager_reviews_then_anonymises_a_page(client_for, manager, practice_a, settings,
                                                    django_assert_num_queries):
    settings.RETENTION_YEARS = 8
    people = [closed_referral(practice_a, retention_cutoff() - dt.timedelta(days=5)).patient
              for _ in range(3)]
    client = client_for(manager)
    url = reverse("casework:retention")
    client.get(url)
    with django_assert_num_queries(9) as counted:
        page = client.get(url).text
    assert all(str(person) in page for person in people)
    for _ in range(30):
        closed_referral(practice_a, retention_cutoff() - dt.timedelta(days=5))
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get(url)
    unconfirmed = client.post(url, {"patient": [people[0].pk]}, follow=True)
    assert "Tick the box" in unconfirmed.text and past_retention().filter(pk=people[0].pk).exists()
    done = client.post(url, {"patient": [p.pk for p in people[:2]], "confirm": "yes"}, follow=True)
    assert "2 people anonymised" in done.text
    assert Patient.objects.filter(pk__in=[p.pk for p in people[:2]], anonymised_at__isnull=False).count() == 2
    assert client.post(url, {"patient": ["x", "999999"], "confirm": "yes"}, follow=True).status_code == 200
