import datetime as dt

import pytest
from django.urls import reverse

from providers.models import OnwardReferral, Provider, Service
from referrals.tests.factories import ReferralFactory

D = dt.date
URL = reverse("reports:evaluation")
PERIOD = {"period": "custom", "start": "2024-04-01", "end": "2025-03-31"}
YEAR = {"period": "fy2024"}  # the same dates, as the commissioner picks them


@pytest.fixture(autouse=True)
def in_2025(monkeypatch):
    """The period picker offers the last four financial years: 2024/25 stays among them."""
    monkeypatch.setattr("sps.periods.today", lambda: D(2025, 11, 23))


@pytest.fixture
def onward_by_category(db):
    """Befriending 12, transport 3 (small), everything else 0."""
    provider = Provider.objects.create(code="P1", name="P")
    befriending = Service.objects.create(provider=provider, code="B", name="B", category="befriending")
    transport = Service.objects.create(provider=provider, code="T", name="T", category="community_transport")
    referral = ReferralFactory(referral_date=D(2024, 6, 1), status="active")
    for service, count in [(befriending, 12), (transport, 3)]:
        for _ in range(count):
            OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="sent",
                                          made_date=D(2024, 7, 1))
    return referral


def test_manager_sees_every_count_and_the_csv_has_the_pages_figures(client_for, manager, onward_by_category,
                                                                    django_assert_num_queries):
    client = client_for(manager)
    with django_assert_num_queries(10):  # session, user, practices, the report's 2, the monthly targets
        page = client.get(URL, {**PERIOD, "report": "process"}).text
    assert "<td>Community transport</td><td>3</td>" in page
    csv = client.get(URL, {**PERIOD, "report": "process", "download": "by_category"}).content.decode("utf-8-sig")
    assert "Community transport,3" in csv.splitlines() and "Befriending,12" in csv.splitlines()


def test_commissioner_sees_small_counts_suppressed_on_the_page_and_in_the_csv(client_for, commissioner,
                                                                             onward_by_category,
                                                                             django_assert_num_queries):
    client = client_for(commissioner)
    # As the manager's, with the kept views looked for, the process report's 2 queries for the financial year and
    # each of its quarters, for all practices and for every practice at once, disclosed together, and every view
    # kept (a savepoint, two deletes, one insert, its release); disclosing the figures makes no query.
    with django_assert_num_queries(8 + 1 + 2 * 5 * 2 + 5):
        page = client.get(URL, {**YEAR, "report": "process"}).text
    assert "<td>Community transport</td><td>*</td>" in page
    assert "<td>Befriending</td><td>*</td>" in page  # else 15 - 12 would give the 3 away
    csv = client.get(URL, {**YEAR, "report": "process", "download": "by_category"}).content.decode("utf-8-sig")
    assert "Community transport,*" in csv.splitlines()
    assert f"{onward_by_category.practice.name} (*)" in page  # the top practice's single referral
    assert "Hague" not in page and onward_by_category.patient.nhs_number not in page


@pytest.mark.parametrize("report", ["process", "wellbeing", "episodes", "roi"])
def test_every_report_renders_for_the_manager_and_the_commissioner(client_for, manager, commissioner, report):
    for user, period in ((manager, PERIOD), (commissioner, YEAR)):
        response = client_for(user).get(URL, {**period, "report": report})
        assert response.status_code == 200 and "There is no data for this period" in response.text
        assert response.context["name"] == report and not response.context["form"].errors


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "provider_staff"])
def test_others_get_404(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 404


def test_needs_a_login(client):
    assert client.get(URL).url == f"{reverse('login')}?next={URL}"


def test_an_unknown_table_download_is_404(client_for, manager):
    assert client_for(manager).get(URL, {"download": "nonsense"}).status_code == 404


def test_the_trend_is_drawn_against_the_managers_monthly_target(client_for, manager, onward_by_category):
    from reports.models import ReferralTarget

    ReferralTarget.objects.create(financial_year=2024, monthly_referrals=90)
    page = client_for(manager).get(URL, {**PERIOD, "report": "process"}).text
    assert "<td>June 2024</td><td>1</td><td>90</td>" in page
    assert '"label": "Target"' in page


def test_manager_overview_compares_this_year_with_the_last(client_for, manager, django_assert_num_queries):
    from reports.presentation import year_to_date

    _, end, _, last_end = year_to_date()
    ReferralFactory(referral_date=end)
    ReferralFactory(referral_date=last_end)
    ReferralFactory(referral_date=last_end)
    client = client_for(manager)
    # session, user, second factor, the kept figures (none yet: a row made for them), claiming their refresh, for
    # each year the process report (2), wellbeing and engaged, the figures kept and read, the session saved; the
    # writes in savepoints
    with django_assert_num_queries(25):
        page = client.get(reverse("reports:overview")).text
    row = page[page.index("<td>Referrals in</td>"):][:200]
    assert '<td class="text-end fw-bold">1</td><td class="text-end">2</td>' in row


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "provider_staff", "commissioner"])
def test_overview_is_the_managers(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("reports:overview")).status_code == 404


def test_overview_needs_a_login(client):
    url = reverse("reports:overview")
    assert client.get(url).url == f"{reverse('login')}?next={url}"


def test_commissioner_sees_a_month_alike_in_its_quarter_and_its_year(client_for, commissioner, db,
                                                                     django_assert_num_queries):
    # April 3, May 9, June 10, July 8, August and September 10. Alone, the quarter would hide April and May
    # (22 - 19 = 3), and the year April and July (50 - 47 = 3), showing May's 9 that the quarter hides.
    for month, count in [(4, 3), (5, 9), (6, 10), (7, 8), (8, 10), (9, 10)]:
        for _ in range(count):
            ReferralFactory(referral_date=D(2024, month, 1), status="active")
    client = client_for(commissioner)
    months = {}
    for period in ("fy2024", "fy2024q1", "fy2024q3"):
        # The first view opened works out the year's and its quarters' together and keeps them; the others read them.
        with django_assert_num_queries(8 + 1 + (2 * 5 * 2 + 5 if period == "fy2024" else 0)):
            page = client.get(URL, {"period": period, "report": "process"})
        months[period] = {row[1]: row[2] for row in page.context["tables"][0].values}  # by the month's ISO form
    assert months["fy2024q1"] == {"2024-04": "*", "2024-05": "*", "2024-06": 10}
    assert {month: months["fy2024"][month] for month in months["fy2024q1"]} == months["fy2024q1"]
    assert months["fy2024"]["2024-07"] == "*" and months["fy2024q3"]["2024-10"] == 0
