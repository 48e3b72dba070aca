"""Issue 12, the commissioner (a CCG board reads these): months in words, months still to come not drawn as 0,
plain-English notes for "p (Wilcoxon)" and "FCEs", why the ROI's engaged people are more than its table's, unit
costs by name and as money, a sentence for an empty period, and money in the CSVs as numbers."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from outcomes.tests.factories import reading
from providers.models import OnwardReferral, Provider, Service
from referrals.tests.factories import PatientFactory, ReferralFactory
from reports.models import HospitalEpisode, ImportBatch, ProgrammeCost, ReferralTarget

D = dt.date
URL = reverse("reports:evaluation")
YEAR = {"period": "custom", "start": "2024-04-01", "end": "2025-03-31"}


@pytest.fixture(autouse=True)
def in_2025(monkeypatch):
    """The period picker offers the last four financial years: 2024/25 stays among them."""
    monkeypatch.setattr("sps.periods.today", lambda: D(2025, 11, 23))


@pytest.fixture
def followed(db):
    """Twelve engaged people referred in 2024/25: ten referred on 01/06/2024, each with one non-elective admission
    and one A&E attendance in the year before and none after, and two referred on 01/03/2025, too late for a year
    of hospital data (until 01/01/2026). The programme cost £12,000."""
    service = Service.objects.create(provider=Provider.objects.create(code="P1", name="Befrienders"), code="S1",
                                     name="Phones", category="befriending")
    batch = ImportBatch.objects.create(kind="episodes", file_name="x", covered_until=D(2026, 1, 1))
    for n, day in enumerate([D(2024, 6, 1)] * 10 + [D(2025, 3, 1)] * 2):
        patient = PatientFactory(date_of_birth=D(1950, 1, 1))
        referral = ReferralFactory(patient=patient, practice=patient.practice, referral_date=day, status="active")
        reading(referral, "baseline", day + dt.timedelta(days=5))
        OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="completed",
                                      made_date=day + dt.timedelta(days=6))
        for kind, before in (("nel_admission", 30), ("ae_attendance", 20)):
            HospitalEpisode.objects.create(patient=patient, episode_type=kind, start_date=day - dt.timedelta(before),
                                           episode_ref=f"{kind}{n}", batch=batch)
    ProgrammeCost.objects.create(date=D(2024, 5, 1), description="Salaries", amount=Decimal(12000))


def _csv(client, report: str, table: str) -> list[list[str]]:
    response = client.get(URL, {**YEAR, "report": report, "download": table})
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_months_are_written_in_words_and_the_csv_keeps_the_iso_month_beside_them(client_for, manager, db):
    ReferralFactory(referral_date=D(2024, 6, 3))
    ReferralTarget.objects.create(financial_year=2024, monthly_referrals=90)
    client = client_for(manager)
    page = client.get(URL, {**YEAR, "report": "process"})
    assert "<td>June 2024</td><td>1</td><td>90</td>" in page.text and "2024-06</td>" not in page.text
    chart = next(c for c in page.context["charts"] if c["id"] == "monthly")
    assert chart["labels"][:3] == [["April", "2024"], ["May", "2024"], ["June", "2024"]]
    rows = _csv(client, "process", "monthly")
    assert rows[0] == ["Month", "Month (ISO)", "Referrals", "Target"]
    assert rows[3] == ["June 2024", "2024-06", "1", "90"]


def test_months_still_to_come_are_neither_drawn_as_0_nor_listed(client_for, manager, monkeypatch, db):
    monkeypatch.setattr("reports.presentation.today", lambda: D(2024, 11, 15))
    ReferralFactory(referral_date=D(2024, 6, 3))
    ReferralTarget.objects.create(financial_year=2024, monthly_referrals=90)
    page = client_for(manager).get(URL, {**YEAR, "report": "process"})
    monthly = page.context["tables"][0]
    assert [row[0] for row in monthly.rows][-1] == "November 2024" and len(monthly.rows) == 8
    assert "December 2024 and the months after it are still to come." in page.text
    chart = next(c for c in page.context["charts"] if c["id"] == "monthly")
    referrals, target = chart["datasets"]
    assert len(chart["labels"]) == 12 and referrals["data"][8:] == [None] * 4  # gaps, not bars of 0
    assert referrals["data"][:8] == [0, 0, 1, 0, 0, 0, 0, 0] and target["data"] == [90] * 12


def test_the_episodes_page_says_what_p_wilcoxon_and_fces_mean(client_for, manager, followed):
    page = client_for(manager).get(URL, {**YEAR, "report": "episodes"}).text
    assert "p (Wilcoxon): how likely a change at least this large would be if the service made no difference" in page
    assert "FCE: a finished consultant episode, the time a patient spends under one consultant&#x27;s care" in page


def test_the_roi_page_explains_its_engaged_people_against_its_table(client_for, manager, followed):
    page = client_for(manager).get(URL, {**YEAR, "report": "roi"})
    headline = dict(page.context["headline"])
    assert headline["Engaged people"] == "12" and page.context["tables"][0].rows[0][1] == "10"
    assert ("Engaged people (12) are everyone who engaged with the service in this period: the cost per person shares "
            "the programme cost among them. The table&#x27;s people with a year of hospital data (10) are those of "
            "them with a full year of hospital data after their referral") in page.text


def test_the_unit_costs_are_named_in_words_and_written_as_money(client_for, manager, followed):
    page = client_for(manager).get(URL, {**YEAR, "report": "roi"}).text
    assert ("Unit costs used (financial year 2024/25): a non-elective admission £1,590; a non-elective FCE £0; "
            "an A&amp;E attendance £148; an outpatient appointment £120; a bed day £0.") in page
    assert "nel_admission" not in page.split("Unit costs used")[1]


@pytest.mark.parametrize(("report", "message"), [
    ("process", "There is no data for this period: no referrals came in, and nobody was referred on, between "
                "01/04/2024 and 31/03/2025."),
    ("wellbeing", "There is no data for this period: nobody referred between 01/04/2024 and 31/03/2025 has a "
                  "baseline star reading and a later one yet."),
    ("episodes", "There is no data for this period: no engaged person referred between 01/04/2024 and 31/03/2025 "
                 "has a full year of hospital data after their referral yet (no hospital extract has been imported)."),
    ("roi", "There is no data for this period: no engaged person referred between 01/04/2024 and 31/03/2025 has a "
            "full year of hospital data after their referral yet"),
])
def test_an_empty_period_says_there_is_no_data_instead_of_dashes(client_for, manager, db, report, message):
    page = client_for(manager).get(URL, {**YEAR, "report": report})
    assert message in page.text
    assert 'aria-label="Headline figures"' not in page.text and not page.context["charts"]


def test_money_in_the_roi_csv_is_a_number_and_on_the_page_in_pounds(client_for, manager, followed):
    client = client_for(manager)
    rows = _csv(client, "roi", "roi")
    assert rows[0] == ["Group", "People with a year of hospital data", "Years", "Saving per person (£)",
                       "£ saved per £ spent"]
    # A person's first year: one admission (£1,590) and one A&E attendance (£148) avoided; £1,000 a person spent.
    assert rows[1:4] == [["All engaged", "10", "1", "1738", "1.74"], ["All engaged", "10", "3", "3389", "3.39"],
                         ["All engaged", "10", "5", "4930", "4.93"]]
    page = client.get(URL, {**YEAR, "report": "roi"})
    assert page.context["tables"][0].rows[2][3] == "£4,930"
    assert dict(page.context["headline"])["Programme cost"] == "£12,000"


def test_percentages_and_p_values_in_the_episodes_csv_are_numbers(client_for, manager, followed):
    rows = _csv(client_for(manager), "episodes", "episodes")
    assert rows[0][5:] == ["Change (%)", "p (Wilcoxon)"]
    admissions = next(row for row in rows if row[:3] == ["All engaged", "10", "Non-elective admissions"])
    assert admissions[3:] == ["10", "0", "-100.0", "0.00195"]


def test_the_commissioners_explanation_shows_only_disclosed_figures(client_for, commissioner, followed):
    """Twelve engaged, ten of them with a year of data: the two others would be a group of 2, so the engaged count
    is hidden, in the headline and in the sentence that explains it."""
    page = client_for(commissioner).get(URL, {"period": "fy2024", "report": "roi"})
    result = page.context["result"]
    assert result["engaged_patients"] == "*" and dict(page.context["headline"])["Engaged people"] == "*"
    assert "Engaged people (*) are everyone who engaged" in page.text
    assert f"people with a year of hospital data ({result['subgroups']['all']['patients']})" in page.text
