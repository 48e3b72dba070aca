"""The contract dashboard against a small programme worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from providers.models import (
    Budget,
    Grant,
    OnwardKind,
    OnwardReferral,
    OnwardStatus,
    Provider,
    ProviderKind,
    Service,
    SpotPurchase,
    SpotPurchaseStatus,
)
from providers.selectors import dashboard_grants, dashboard_providers, dashboard_totals, grant_rows, provider_rows
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

D = dt.date
FY2026 = (D(2026, 4, 1), D(2027, 3, 31))


def _grants(start, end) -> list:
    """Every grant's row for the period, as the CSV has them."""
    return grant_rows(dashboard_grants(start=start, end=end), start=start, end=end, every=True)


def _providers(start, end) -> list:
    return provider_rows(dashboard_providers(start=start, end=end), start=start, end=end, every=True)


def _onward(service, referral, *, made, status, kind=OnwardKind.COMMISSIONED, **dates):
    return OnwardReferral.objects.create(referral=referral, service=service, kind=kind, status=status,
                                         made_date=made, sent_date=made, **dates)


@pytest.fixture
def programme(manager):
    p1 = Provider.objects.create(code="P1", name="Alpha Befriending", kind=ProviderKind.VCS)
    p2 = Provider.objects.create(code="P2", name="Beta Club", kind=ProviderKind.VCS)
    s1 = Service.objects.create(provider=p1, code="S1", name="Phone friends", category="befriending", capacity=10)
    s2 = Service.objects.create(provider=p1, code="S2", name="Home visits", category="befriending", capacity=5)
    s3 = Service.objects.create(provider=p2, code="S3", name="Lunch club", category="community_activity")
    grant = Grant.objects.create(ref="G1", provider=p1, amount=Decimal(36500), start_date=D(2026, 4, 1),
                                 end_date=D(2027, 3, 31), target_referrals=100)
    grant.services.set([s1, s2])
    Budget.objects.create(name="2026/27", start_date=D(2026, 4, 1), end_date=D(2027, 3, 31), amount=100000)
    referral = ReferralFactory(referral_date=D(2026, 3, 1), status="active")
    _onward(s1, referral, made=D(2026, 5, 1), status=OnwardStatus.COMPLETED, accepted_date=D(2026, 5, 3),
            started_date=D(2026, 5, 11), ended_date=D(2026, 7, 1), continued_after_end=True)
    _onward(s1, referral, made=D(2026, 6, 1), status=OnwardStatus.COMPLETED, accepted_date=D(2026, 6, 2),
            started_date=D(2026, 6, 21), ended_date=D(2026, 8, 1), continued_after_end=False)
    _onward(s2, referral, made=D(2026, 7, 1), status=OnwardStatus.DECLINED, declined_date=D(2026, 7, 2),
            decline_reason="Full")
    _onward(s2, referral, made=D(2026, 7, 1), status=OnwardStatus.DID_NOT_ATTEND, accepted_date=D(2026, 7, 5),
            ended_date=D(2026, 7, 10))
    _onward(s1, referral, made=D(2026, 3, 15), status=OnwardStatus.STARTED)  # before the period
    _onward(s1, referral, made=D(2026, 8, 1), status=OnwardStatus.PROPOSED)  # never sent
    _onward(s3, referral, made=D(2026, 8, 1), status=OnwardStatus.SENT, kind=OnwardKind.NON_COMMISSIONED)
    for provider, cost, status, decided in [(p2, 500, SpotPurchaseStatus.APPROVED, D(2026, 9, 1)),
                                            (p1, 200, SpotPurchaseStatus.REFUSED, D(2026, 9, 1)),
                                            (p1, 300, SpotPurchaseStatus.APPROVED, D(2025, 12, 1))]:
        SpotPurchase.objects.create(referral=referral, provider=provider, description="x", reason="y",
                                    cost=cost, requested_by=manager, requested_date=decided, status=status,
                                    decided_by=manager, decided_date=decided)
    return {"p1": p1, "p2": p2, "grant": grant}


@pytest.mark.smoke
def test_grant_figures_match_the_hand_count(programme):
    [row] = _grants(*FY2026)
    assert (row.received, row.target, row.capacity) == (4, 100, 15)
    assert row.accepted_pct == pytest.approx(75.0)  # 3 accepted of 4 decided
    assert row.median_days_to_start == pytest.approx(15.0)  # 10 and 20 days from sent to started
    assert row.completed_pct == pytest.approx(200 / 3)
    assert row.dna_pct == pytest.approx(100 / 3)
    assert row.continued_pct == pytest.approx(50.0)
    assert row.spend == Decimal(36500)


def test_provider_rows_and_totals_match_the_hand_count(programme):
    alpha, beta = _providers(*FY2026)
    assert (alpha.provider, alpha.received, alpha.commissioned, alpha.spot_count) == (programme["p1"], 4, 4, 0)
    assert (beta.provider, beta.received, beta.spot_count, beta.spot_spend) == (programme["p2"], 1, 1, 500)
    assert (alpha.grant_spend, beta.grant_spend) == (36500, 0)
    totals = dashboard_totals(start=FY2026[0], end=FY2026[1])
    assert (totals["organisations_funded"], totals["services_funded"]) == (1, 2)
    assert (totals["total_awarded"], totals["spend"], totals["budget"]) == (36500, 37000, 100000)
    assert totals["spend_pct"] == pytest.approx(37.0)


def test_a_quarter_gets_its_share_of_the_grant_and_target(programme):
    [row] = _grants(D(2026, 4, 1), D(2026, 6, 30))
    assert row.received == 2
    assert row.spend == Decimal(36500) * 91 / 365
    assert row.target == 25  # 100 * 91 / 365 = 24.9


def test_no_grants_and_no_rows_give_empty_figures_not_errors(db):
    assert _grants(*FY2026) == [] and _providers(*FY2026) == []
    totals = dashboard_totals(start=FY2026[0], end=FY2026[1])
    assert (totals["spend"], totals["budget"], totals["spend_pct"]) == (0, 0, None)


def test_dashboard_queries_are_fixed_whatever_the_number_of_rows(programme, django_assert_num_queries):
    def everything():
        return _grants(*FY2026), _providers(*FY2026), dashboard_totals(start=FY2026[0], end=FY2026[1])

    with django_assert_num_queries(12):
        everything()
    p3 = Provider.objects.create(code="P3", name="Gamma", kind=ProviderKind.VCS)
    s4 = Service.objects.create(provider=p3, code="S4", name="Walks", category="physical_activity", capacity=8)
    grant = Grant.objects.create(ref="G2", provider=p3, amount=1000, start_date=D(2026, 4, 1),
                                 end_date=D(2027, 3, 31))
    grant.services.set([s4])
    referral = ReferralFactory(referral_date=D(2026, 3, 1), status="active")
    for day in range(1, 20):
        _onward(s4, referral, made=D(2026, 5, day), status=OnwardStatus.SENT)
    with django_assert_num_queries(12):
        grants, providers, _ = everything()
    assert (len(grants), len(providers)) == (2, 3)


def test_page_and_csv_show_the_same_figures(client_for, manager, programme, django_assert_num_queries):
    client = client_for(manager)
    url = reverse("providers:dashboard") + "?period=fy2026"
    with django_assert_num_queries(18):
        page = client.get(url)
    assert "£37,000" in page.text and "£100,000 (37%)" in page.text
    csv = client.get(url + "&download=grants").content.decode("utf-8-sig").splitlines()
    as_of = min(FY2026[1], today())  # the target so far: how far into the year today is
    expected = round(Decimal(100) * ((as_of - FY2026[0]).days + 1) / 365)
    flag = f"Under target: 4 received, {expected} expected by {as_of:%d/%m/%Y}"
    assert csv[1] == (f'G1,Alpha Befriending,"Home visits, Phone friends","{flag}",100,4,15,1,75.0,15.0,66.7,'
                      '33.3,50.0,36500.00')
    for cell in ["<td>75%</td>", "<td>15</td>", "<td>67%</td>", "<td>33%</td>", "<td>£36,500</td>"]:
        assert cell in page.text


# Flags: under target, over capacity ---------------------------------------------------------------------------


def test_a_grant_behind_its_target_for_the_period_so_far_is_flagged_in_words(programme):
    """The first quarter has ended: 2 received against 25 (100 a year, 91 days of 365)."""
    [row] = _grants(D(2026, 4, 1), D(2026, 6, 30))
    assert (row.received, row.expected_by_now, row.under_target) == (2, 25, True)
    assert row.flags == ["Under target: 2 received, 25 expected by 30/06/2026"]


def test_the_target_so_far_counts_only_the_days_already_past(programme):
    """A period not yet over expects only its share up to today, not the whole period's target."""
    start = today() - dt.timedelta(days=9)
    Grant.objects.filter(ref="G1").update(start_date=start, end_date=start + dt.timedelta(days=99),
                                          target_referrals=100)
    [row] = _grants(start, start + dt.timedelta(days=99))
    assert (row.target, row.expected_by_now) == (100, 10)
    service = Service.objects.get(code="S1")
    for _ in range(10):
        _onward(service, ReferralFactory(status="active"), made=today(), status=OnwardStatus.SENT)
    [row] = _grants(start, start + dt.timedelta(days=99))
    assert (row.received, row.under_target, row.flags) == (10, False, [])


def test_a_grant_supporting_more_people_now_than_its_capacity_is_flagged(programme):
    """Capacity 15 (10 and 5); one person already started at S1; 15 more accepted or started makes 16."""
    s1, s2 = Service.objects.get(code="S1"), Service.objects.get(code="S2")
    for service, n in [(s1, 10), (s2, 5)]:
        for i in range(n):
            _onward(service, ReferralFactory(status="active"), made=D(2026, 4, 2),
                    status=OnwardStatus.ACCEPTED if i % 2 else OnwardStatus.STARTED)
    [row] = _grants(D(2026, 4, 1), D(2026, 6, 30))
    assert (row.capacity, row.supported_now, row.over_capacity) == (15, 16, True)
    assert "Over capacity: 16 supported now, room for 15" in row.flags


def test_people_at_a_service_without_a_capacity_do_not_fill_the_grants(programme):
    s3 = Service.objects.get(code="S3")
    programme["grant"].services.add(s3)
    for _ in range(20):
        _onward(s3, ReferralFactory(status="active"), made=D(2026, 4, 2), status=OnwardStatus.STARTED)
    [row] = _grants(D(2026, 4, 1), D(2026, 6, 30))
    assert (row.capacity, row.supported_now, row.over_capacity) == (15, 1, False)


def test_continued_rate_leaves_out_those_not_recorded(programme):
    """One completed said yes, one said no; a third completed with nothing recorded is not a "no"."""
    _onward(Service.objects.get(code="S1"), ReferralFactory(status="active"), made=D(2026, 6, 1),
            status=OnwardStatus.COMPLETED, accepted_date=D(2026, 6, 2), started_date=D(2026, 6, 3),
            ended_date=D(2026, 8, 1))
    [row] = _grants(*FY2026)
    assert row.continued_pct == pytest.approx(50.0)
    assert row.completed_pct == pytest.approx(75.0)  # 3 completed of 4 accepted


def test_the_page_flags_in_words_and_a_symbol_and_the_csv_money_adds_up(client_for, manager, programme):
    client = client_for(manager)
    url = reverse("providers:dashboard") + "?period=custom&start=2026-04-01&end=2026-06-30"
    page = client.get(url).text
    assert '<span aria-hidden="true">&#9888; </span>Under target</span>' in page
    assert "<strong>G1</strong> (Alpha Befriending): Under target: 2 received, 25 expected by 30/06/2026." in page
    assert "&#9888;</span> 1 grant flagged</h3>" in page
    assert "£9,100" in page  # 36,500 x 91 / 365, in whole pounds on the page
    rows = client.get(url + "&download=providers").content.decode("utf-8-sig").splitlines()
    assert rows[1:] == ["Alpha Befriending,2,2,9100.00,0,0.00,9100.00"]
