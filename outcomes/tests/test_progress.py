import datetime as dt

from outcomes.progress import baseline_of, follow_up_of, progress_of
from outcomes.tests.factories import reading
from referrals.tests.factories import ReferralFactory

D = dt.date


def test_baseline_is_the_earliest_and_follow_up_the_latest_after_it(db):
    referral = ReferralFactory(status="assessed")
    early = reading(referral, "baseline", D(2026, 10, 5))
    reading(referral, "baseline", D(2026, 10, 9))
    reading(referral, "review", D(2026, 10, 20))
    last = reading(referral, "review", D(2026, 11, 20))
    readings = list(referral.star_readings.all())
    assert baseline_of(readings) == early
    assert follow_up_of(readings, early) == last


def test_discharge_counts_over_a_review_on_the_same_date(db):
    referral = ReferralFactory(status="assessed")
    base = reading(referral, "baseline", D(2026, 10, 5))
    discharge = reading(referral, "discharge", D(2026, 11, 1))
    reading(referral, "review", D(2026, 11, 1))
    assert follow_up_of(list(referral.star_readings.all()), base) == discharge


def test_a_reading_on_the_baseline_date_is_not_a_follow_up(db):
    referral = ReferralFactory(status="assessed")
    reading(referral, "baseline", D(2026, 10, 5))
    reading(referral, "review", D(2026, 10, 5))
    assert progress_of(referral.star_readings.all()) is None


def test_improved_and_low_improved_areas(db):
    referral = ReferralFactory(status="assessed")
    reading(referral, "baseline", D(2026, 10, 5), lifestyle=1, money=2, family_friends=2, feeling_positive=5)
    reading(referral, "review", D(2026, 11, 5), lifestyle=3, money=2, family_friends=3, feeling_positive=4,
            where_you_live=4)
    progress = progress_of(referral.star_readings.all())
    assert progress.improved == ["lifestyle", "where_you_live", "family_friends"]
    assert progress.low_at_baseline == ["lifestyle", "money", "family_friends"]
    assert progress.low_improved == ["lifestyle", "family_friends"]
    assert progress.change["feeling_positive"] == -1
