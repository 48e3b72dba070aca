"""In a real browser at 1280 px, the evaluation as a CCG board reads it (issue 12): months in words, months still to
come with no bar, every chart label written out in full, plain-English notes, the ROI's two counts of people
explained, unit costs by name, and a sentence for a period with no data."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from providers.models import OnwardReferral, Provider, Service
from referrals.tests.factories import ReferralFactory
from reports.models import ImportBatch, ReferralTarget
from reports.tests.test_evaluation_readability import followed  # noqa: F401 (a fixture)
from sps.categories import Category
from sps.tests.axe import violations

pytestmark = pytest.mark.browser
D = dt.date

# For every chart: the axis of its labels, how many labels and how many the axis draws, their rotation, the widest
# label (each line of it) against the room it has, and whether the axis starts inside the canvas.
LABELS = """() => Object.values(Chart.instances).map((chart) => {
  const horizontal = chart.options.indexAxis === "y";
  const axis = horizontal ? chart.scales.y : chart.scales.x;
  chart.ctx.save();
  chart.ctx.font = Chart.helpers.toFont(axis.options.ticks.font).string;
  const widest = Math.max(...chart.data.labels.map(
    (label) => Math.max(...[].concat(label).map((line) => chart.ctx.measureText(line).width))));
  chart.ctx.restore();
  return {id: chart.canvas.id, labels: chart.data.labels.length, drawn: axis.ticks.length, rotation: axis.labelRotation,
          widest, room: horizontal ? axis.width : axis.width / chart.data.labels.length, left: axis.left};
})"""


def _report(page: Page, live_server, report: str, **query) -> None:
    page.goto(f"{live_server.url}{reverse('reports:evaluation')}?report={report}&period=custom&start=2024-04-01"
              f"&end=2025-03-31" + "".join(f"&{key}={value}" for key, value in query.items()))


def _assert_every_label_readable(page: Page) -> None:
    charts = page.evaluate(LABELS)
    assert charts
    for chart in charts:
        assert chart["drawn"] == chart["labels"], chart  # none skipped
        assert chart["rotation"] == 0, chart  # none slanted
        assert chart["widest"] <= chart["room"] and chart["left"] >= 0, chart  # none cut off
    assert not violations(page)


@pytest.fixture
def onward_in_every_category(db):
    provider = Provider.objects.create(code="P1", name="P")
    referral = ReferralFactory(referral_date=D(2024, 6, 3), status="active")
    for category in Category.values:
        service = Service.objects.create(provider=provider, code=category[:20], name=category, category=category)
        OnwardReferral.objects.create(referral=referral, service=service, kind="commissioned", status="sent",
                                      made_date=D(2024, 7, 1))
    ReferralTarget.objects.create(financial_year=2024, monthly_referrals=9)


def test_process_months_in_words_no_bars_to_come_and_every_label_readable(
        page: Page, live_server, sign_in, manager, onward_in_every_category, monkeypatch):
    monkeypatch.setattr("reports.presentation.today", lambda: D(2024, 11, 15))
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, manager)
    _report(page, live_server, "process")
    monthly = page.get_by_role("region", name="Referrals in per month, against the target")
    expect(monthly.get_by_role("row").nth(3)).to_have_text("June 202419")
    expect(monthly).not_to_contain_text("2024-06")
    expect(monthly).to_contain_text("December 2024 and the months after it are still to come.")
    referrals = page.evaluate("() => Chart.getChart('chart-monthly').data.datasets[0].data")
    assert referrals[8:] == [None] * 4 and referrals[2] == 1
    _assert_every_label_readable(page)


def test_episodes_and_roi_explain_themselves_in_plain_english(page: Page, live_server, sign_in, manager, followed):  # noqa: F811
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, manager)
    _report(page, live_server, "episodes")
    expect(page.get_by_text("p (Wilcoxon): how likely a change at least this large")).to_be_visible()
    expect(page.get_by_text("FCE: a finished consultant episode")).to_be_visible()
    _assert_every_label_readable(page)

    _report(page, live_server, "roi")
    expect(page.get_by_text("Engaged people (12) are everyone who engaged with the service")).to_be_visible()
    expect(page.get_by_text("people with a year of hospital data (10) are those of them")).to_be_visible()
    expect(page.get_by_text("a non-elective admission £1,590")).to_be_visible()
    expect(page.get_by_text("nel_admission")).to_have_count(0)
    _assert_every_label_readable(page)


def test_a_period_with_no_data_says_so(page: Page, live_server, sign_in, manager):
    sign_in(page, manager)
    _report(page, live_server, "wellbeing")
    expect(page.get_by_role("status")).to_have_text(
        "There is no data for this period: nobody referred between 01/04/2024 and 31/03/2025 has a baseline star "
        "reading and a later one yet.")
    expect(page.get_by_role("region", name="Headline figures")).to_have_count(0)
    assert not violations(page)


@pytest.fixture
def matched_service(db):
    """Twelve people alike, each matched to the same 3 comparison people, their A&E attendances changing by
    different amounts: an effect with an interval to draw."""
    from reports.tests.test_impact import AE, NEL, case, person

    service = Service.objects.create(provider=Provider.objects.create(code="P1", name="P"), code="S1", name="S",
                                     category="befriending")
    ImportBatch.objects.create(kind="episodes", file_name="e", covered_until=D(2026, 3, 31))
    ImportBatch.objects.create(kind="comparison_episodes", file_name="c", covered_until=D(2026, 3, 31))
    day = D(2024, 6, 10)
    for difference in [-1, -2, 0, -1, -2, 1, -1, -2, -1, 0, -2, -1]:
        before = 2 if difference < 0 else 1
        attendances = [(AE, day - dt.timedelta(days=k + 1), None) for k in range(before)] + \
                      [(AE, day + dt.timedelta(days=k), None) for k in range(before + difference)]
        case(service, day, risk=50, episodes=[(NEL, D(2024, 1, 5), None), *attendances])
    for pseudo_id in ("C1", "C2", "C3"):
        person(pseudo_id, risk=50, episodes=[(NEL, D(2024, 1, 5), None), (AE, D(2024, 2, 1), None),
                                            (AE, D(2024, 7, 1), None)])


def test_the_impact_draws_the_effect_and_its_interval_beside_the_change(page: Page, live_server, sign_in, manager,
                                                                         matched_service):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, manager)
    _report(page, live_server, "impact")
    expect(page.get_by_text("what would have happened anyway").first).to_be_visible()
    expect(page.get_by_text("Everyone with a year of hospital data after referral found 3 people")).to_be_visible()
    expect(page.get_by_role("heading", name="How alike the people matched are")).to_be_visible()
    interval = page.evaluate("() => Chart.instances[Object.keys(Chart.instances)[0]].data.datasets[3].data")
    ae = interval[2]  # admissions, FCEs, A&E, outpatients
    assert ae[0] < -0.9 < ae[1]  # the mean difference, -11/12, inside its interval
    _assert_every_label_readable(page)
