import datetime as dt

import pytest
from django.urls import reverse

from outcomes.models import Assessment
from outcomes.selectors import add_months, review_due
from outcomes.tests.factories import reading
from referrals.models import Status
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today


@pytest.fixture
def followed_up(adviser_a):
    referral = ReferralFactory(patient__practice=adviser_a.linked_practices.get(), status=Status.ASSESSED,
                               adviser=adviser_a, referral_date=today() - dt.timedelta(days=200))
    base = reading(referral, "baseline", today() - dt.timedelta(days=180), default=2, feeling_positive=4)
    base.assessment = Assessment.objects.create(referral=referral, adviser=adviser_a, date=base.reading_date,
                                                notes="Confided about her late husband's debts.")
    base.save()
    reading(referral, "review", today() - dt.timedelta(days=90), default=3, feeling_positive=4)
    return referral


def test_adviser_sees_the_star_table_the_chart_data_and_the_notes(client_for, adviser_a, followed_up):
    page = client_for(adviser_a).get(reverse("casework:referral", args=[followed_up.pk])).text
    assert 'id="star-chart"' in page and 'id="star-data"' in page
    assert "Improved in 7 of 8 areas" in page
    assert "Confided about her late husband" in page


def test_gp_sees_a_progress_summary_but_not_the_advisers_notes_or_scores(client_for, gp_a, followed_up):
    page = client_for(gp_a).get(reverse("casework:referral", args=[followed_up.pk])).text
    assert "Improved in 7 of the 8 areas of the wellbeing star" in page
    assert "Confided" not in page and 'id="star-data"' not in page


def test_referral_page_query_count_is_fixed(client_for, adviser_a, followed_up, django_assert_num_queries):
    client = client_for(adviser_a)
    url = reverse("casework:referral", args=[followed_up.pk])
    with django_assert_num_queries(15):
        client.get(url)
    for days in range(80, 10, -10):
        reading(followed_up, "review", today() - dt.timedelta(days=days))
        Assessment.objects.create(referral=followed_up, adviser=adviser_a, date=today() - dt.timedelta(days=days))
    with django_assert_num_queries(15):
        client.get(url)


def test_printable_summary_for_the_adviser_only(client_for, adviser_a, adviser_other, gp_a, followed_up):
    url = reverse("casework:summary", args=[followed_up.pk])
    page = client_for(adviser_a).get(url)
    assert page.status_code == 200 and "Your wellbeing star" in page.text and "Next review" in page.text
    assert client_for(adviser_other).get(url).status_code == 404
    assert client_for(gp_a).get(url).status_code == 404


def test_summary_not_logged_in_is_sent_to_login(client, followed_up):
    url = reverse("casework:summary", args=[followed_up.pk])
    assert client.get(url).url == f"{reverse('login')}?next={url}"


def test_caseload_shows_reviews_due_and_overdue(client_for, adviser_a, django_assert_num_queries):
    practice = adviser_a.linked_practices.get()
    overdue = ReferralFactory(patient__practice=practice, patient__family_name="Overdue", status=Status.ASSESSED,
                              adviser=adviser_a, referral_date=today() - dt.timedelta(days=150))
    reading(overdue, "baseline", today() - dt.timedelta(days=100))  # first review was due 3 months on
    second = ReferralFactory(patient__practice=practice, patient__family_name="Second", status=Status.ACTIVE,
                             adviser=adviser_a, referral_date=today() - dt.timedelta(days=150))
    base = reading(second, "baseline", today() - dt.timedelta(days=120))
    reading(second, "review", today() - dt.timedelta(days=30))
    ReferralFactory(patient__practice=practice, patient__family_name="Unseen", status=Status.ACCEPTED,
                    adviser=adviser_a, referral_date=today() - dt.timedelta(days=5))
    client = client_for(adviser_a)
    with django_assert_num_queries(10):
        page = client.get(reverse("casework:caseload")).text
    overdue_row = page[page.index("Overdue</a>"):][:900]
    assert "Overdue</span>" in overdue_row
    second_row = page[page.index("Second</a>"):][:900]
    assert add_months(base.reading_date, 6).strftime("%d/%m/%Y") in second_row
    assert "Overdue" not in second_row
    assert "First visit to book" in page[page.index("Unseen</a>"):][:900]
    assert '<div class="small text-muted">Reviews overdue</div><div class="fs-4 fw-bold">1</div>' in page
    assert '<div class="small text-muted">On your caseload</div><div class="fs-4 fw-bold">3</div>' in page


def test_months_are_added_as_people_count_them():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 15), 3) == dt.date(2026, 4, 15)
    assert add_months(dt.date(2026, 12, 31), 2) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2099, 11, 30), 3) == dt.date(2100, 2, 28)  # 2100 is not a leap year
    assert add_months(dt.date(2026, 10, 15), 15) == dt.date(2028, 1, 15)


def test_reviews_fall_due_at_three_then_six_months_then_none():
    baseline = dt.date(2026, 1, 15)
    assert review_due(None, 0) is None
    assert review_due(baseline, 0).due == dt.date(2026, 4, 15)
    assert review_due(baseline, 1).due == dt.date(2026, 7, 15)
    assert review_due(baseline, 2) is None
