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
    with django_assert_num_queries(16):
        client.get(url)
    for days in range(80, 10, -10):
        reading(followed_up, "review", today() - dt.timedelta(days=days))
        Assessment.objects.create(referral=followed_up, adviser=adviser_a, date=today() - dt.timedelta(days=days))
    with django_assert_num_queries(16):
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
    assert '<span class="d-block small">Reviews overdue</span><span class="d-block fs-4 fw-bold">1</span>' in page
    assert '<span class="d-block small">On your caseload</span><span class="d-block fs-4 fw-bold">3</span>' in page


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


@pytest.fixture
def noted(followed_up):
    """The baseline and the review each with a note on one area."""
    baseline, review = followed_up.star_readings.order_by("reading_date")
    baseline.notes = {"money": "Rent arrears of three months."}
    baseline.save()
    review.notes = {"money": "Arrears cleared with the advice service.", "lifestyle": "Walking daily."}
    review.save()
    return followed_up


@pytest.mark.parametrize("persona", ["adviser_a", "manager"])
def test_per_area_notes_are_shown_with_the_star_and_the_visit(request, client_for, noted, persona):
    page = client_for(request.getfixturevalue(persona)).get(reverse("casework:referral", args=[noted.pk])).text
    star = page[page.index('id="star-heading"'):page.index("Visits and contacts")]
    money = star[star.index("Money"):][:600]
    assert "Rent arrears of three months." in money and "Arrears cleared with the advice service." in money
    assert "Walking daily." in star
    visits = page[page.index("Visits and contacts"):]
    assert "Confided about her late husband" in visits and "Money: Rent arrears of three months." in visits


def test_per_area_notes_are_on_the_printable_summary(client_for, adviser_a, noted):
    page = client_for(adviser_a).get(reverse("casework:summary", args=[noted.pk])).text
    assert "Arrears cleared with the advice service." in page


def test_gp_never_sees_per_area_notes(client_for, gp_a, noted):
    page = client_for(gp_a).get(reverse("casework:referral", args=[noted.pk])).text
    assert "Rent arrears" not in page and "Walking daily" not in page


def test_the_summary_gives_the_services_phone_number_and_the_next_review(client_for, adviser_a, followed_up,
                                                                          settings):
    settings.SERVICE_PHONE = "01709 829821"
    page = client_for(adviser_a).get(reverse("casework:summary", args=[followed_up.pk])).text
    assert "call us on <strong>01709 829821</strong>" in page
    baseline = followed_up.star_readings.get(kind="baseline")
    assert f"<strong>Next review:</strong> around {add_months(baseline.reading_date, 6):%d/%m/%Y}" in page


def test_the_summary_says_when_no_more_reviews_are_planned(client_for, adviser_a, followed_up):
    reading(followed_up, "review", today() - dt.timedelta(days=10))
    page = client_for(adviser_a).get(reverse("casework:summary", args=[followed_up.pk])).text
    assert "<strong>Next review:</strong> no more reviews are planned" in page
