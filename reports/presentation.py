"""The reports as people read them: tables (the same for the page and its CSV downloads) and charts, rounded
for people. They show the figures they are given: for the commissioner, the report data has been through
`reports.disclosure.disclose` first, and a figure it hid arrives as "*" and is shown as "*" (a gap in a chart)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, wraps

from outcomes.star import AREA_LABELS
from reports import evaluation
from reports.disclosure import SUPPRESSED
from reports.evaluation import MEASURES, SUBGROUPS
from sps.categories import Category
from sps.lib.dates import today
from sps.lib.percent import format_percentage
from sps.periods import financial_year, financial_year_of

SUBGROUP_LABELS = {"all": "All engaged", "under_80": "Under 80", "80_plus": "80 and over",
                   "continuing": "Continued with VCS activity"}
MEASURE_LABELS = {"nel_admission": "Non-elective admissions", "nel_fce": "Non-elective FCEs",
                  "ae_attendance": "A&E attendances", "outpatient": "Outpatient appointments", "bed_days": "Bed days"}
KIND_LABELS = {"commissioned": "Commissioned VCS", "non_commissioned": "Non-commissioned VCS",
               "non_vcs": "Non-VCS", "signposts": "Signposts"}


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list]


def keeps_suppressed(format_value: Callable[..., str]) -> Callable[..., str]:
    """A formatter that passes a hidden figure ("*") through as it is."""

    @wraps(format_value)
    def formatted(value, *args, **kwargs) -> str:
        return SUPPRESSED if value == SUPPRESSED else format_value(value, *args, **kwargs)

    return formatted


# The evaluation shows its percentages to one decimal place.
_percent = keeps_suppressed(partial(format_percentage, places=1))


@keeps_suppressed
def _count(value: int) -> str:
    return f"{value:,}"


@keeps_suppressed
def _num(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:,.{places}f}"


@keeps_suppressed
def _pounds(value: float | None) -> str:
    if value is None:
        return ""
    return f"-£{abs(value):,.0f}" if value < 0 else f"£{value:,.0f}"


@keeps_suppressed
def _p(value: float | None) -> str:
    return "" if value is None else ("<0.001" if value < 0.001 else f"{value:.3f}")


def process_tables(result: dict, *, targets: dict[int, int] | None = None) -> list[Table]:
    targets = targets or {}
    return [
        Table("monthly", "Referrals in per month, against the target", ["Month", "Referrals", "Target"],
              [[m["month"], m["referrals"], targets.get(financial_year_of(_month_start(m["month"])), "")]
               for m in result["monthly"]]),
        Table("referrals_out", "Onward referrals by kind", ["Kind", "Onward referrals"],
              [[label, result["referrals_out"][kind]] for kind, label in KIND_LABELS.items()]),
        Table("by_category", "Onward referrals by category", ["Category", "Onward referrals"],
              [[label, result["by_category"][category]] for category, label in Category.choices]),
    ]


def wellbeing_tables(result: dict, **_) -> list[Table]:
    rows = [[AREA_LABELS[key], _percent(area["progress_pct"]), area["low_baseline"],
             _percent(area["low_improved_pct"]), _num(area["mean_change"])] for key, area in result["areas"].items()]
    return [Table("areas", "Progress per area of the star",
                  ["Area", "Improved", "Low at baseline", "Low that improved", "Mean change"], rows)]


def episodes_tables(result: dict, **_) -> list[Table]:
    rows = []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        for measure in MEASURES:
            m = group["measures"][measure]
            rows.append([SUBGROUP_LABELS[subgroup], group["patients"], MEASURE_LABELS[measure], m["before"],
                         m["after"], _percent(m["change_pct"]), _p(m["p_value"])])
    return [Table("episodes", "Hospital episodes in the year before and the year after referral",
                  ["Group", "Patients", "Measure", "Before", "After", "Change", "p (Wilcoxon)"], rows)]


def roi_tables(result: dict, **_) -> list[Table]:
    rows = []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        for years in ("1", "3", "5"):
            rows.append([SUBGROUP_LABELS[subgroup], group["patients"], years, _pounds(group["savings"][years]),
                         _num(group["roi"][years])])
    return [Table("roi", "Saving per patient and return on investment",
                  ["Group", "Patients", "Years", "Saving per patient", "£ saved per £ spent"], rows)]


TABLES = {"process": process_tables, "wellbeing": wellbeing_tables, "episodes": episodes_tables,
          "roi": roi_tables}


def charts(name: str, result: dict, tables: list[Table]) -> list[dict]:
    """Chart.js figures drawn from the same tables (a suppressed cell draws as a gap)."""

    def values(table: Table, column: int) -> list:
        return [None if row[column] == SUPPRESSED else _as_number(row[column]) for row in table.rows]

    if name == "process":
        monthly, *others = tables
        trend = {"id": monthly.name, "type": "bar", "title": monthly.title, "labels": [r[0] for r in monthly.rows],
                 "datasets": [{"label": "Referrals", "data": values(monthly, 1)}]}
        if any(row[2] != "" for row in monthly.rows):
            trend["datasets"].append({"label": "Target", "data": values(monthly, 2), "type": "line"})
        return [trend] + [{"id": t.name, "type": "bar", "title": t.title, "labels": [r[0] for r in t.rows],
                           "datasets": [{"label": t.header[1], "data": values(t, 1)}]} for t in others]
    if name == "wellbeing":
        t = tables[0]
        return [{"id": "areas", "type": "bar", "title": "Share improving per area (%)",
                 "labels": [r[0] for r in t.rows], "datasets": [{"label": "Improved (%)", "data": values(t, 1)},
                                                                {"label": "Low that improved (%)",
                                                                 "data": values(t, 3)}]}]
    if name == "episodes":
        t = tables[0]
        labels = [f"{r[0]}: {r[2]}" for r in t.rows if r[2] != MEASURE_LABELS["bed_days"]]
        kept = [r for r in t.rows if r[2] != MEASURE_LABELS["bed_days"]]
        return [{"id": "episodes", "type": "bar", "title": "Episodes before and after, per group",
                 "labels": labels, "datasets": [
                     {"label": "Before", "data": [None if r[3] == SUPPRESSED else r[3] for r in kept]},
                     {"label": "After", "data": [None if r[4] == SUPPRESSED else r[4] for r in kept]}]}]
    t = tables[0]
    return [{"id": "roi", "type": "bar", "title": "£ saved per £ spent over 1, 3 and 5 years",
             "labels": [f"{r[0]}, {r[2]} yr" for r in t.rows], "datasets": [{"label": "ROI", "data": values(t, 4)}]}]


def _month_start(month: str) -> dt.date:
    """"2026-11" -> 01/11/2026."""
    return dt.date.fromisoformat(f"{month}-01")


def _uk_date(iso: str | None) -> str:
    return "" if not iso else f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def _as_number(cell):
    if isinstance(cell, int | float):
        return cell
    text = str(cell).replace("£", "").replace(",", "").replace("%", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def headline(name: str, result: dict) -> list[tuple[str, str]]:
    """The figures at the top of a report, from the same data as its tables (for the commissioner, disclosed)."""
    if name == "process":
        top = result["top_practice"]
        return [("Referrals in", _count(result["referrals_in"])),
                ("Onward referrals", _count(result["referrals_out"]["total"])),
                ("Referring practices", _count(result["practices"])),
                ("Aged 80 and over", _percent(result["age_80_plus_pct"])),
                ("Aged under 60", _percent(result["age_under_60_pct"])),
                ("Black and minority ethnic", _percent(result["bme_pct"])),
                ("Most referrals", f"{top['name']} ({_count(top['referrals'])})" if top else "")]
    if name == "wellbeing":
        return [("People with a follow-up", _count(result["patients"])),
                ("Improved in at least one area", _percent(result["progress_any_pct"])),
                ("Improved in four or more", _percent(result["progress_4plus_pct"])),
                ("Low scores that improved", _percent(result["low_improved_pct"]))]
    if name == "episodes":
        everyone = result["subgroups"]["all"]
        return [("Engaged people with a year of follow-up", _count(everyone["patients"])),
                ("Hospital data until", _uk_date(result["data_until"]) or "no extract imported"),
                ("Change in A&E attendances", _percent(everyone["measures"]["ae_attendance"]["change_pct"])),
                ("Change in non-elective admissions", _percent(everyone["measures"]["nel_admission"]["change_pct"]))]
    everyone = result["subgroups"]["all"]
    return [("Programme cost", _pounds(result["programme_cost"])),
            ("Engaged people", _count(result["engaged_patients"])),
            ("Cost per person", _pounds(result["cost_per_patient"])),
            ("First-year saving per person", _pounds(everyone["saving_year1"])),
            ("£ saved per £ spent, 1 / 3 / 5 years",
             " / ".join(_num(everyone["roi"][y]) or "-" for y in ("1", "3", "5")))]


GLANCE_LABELS = {"referrals_in": "Referrals in", "referrals_out": "Onward referrals",
                 "engaged": "People engaged", "improved": "Improved in at least one area (of those followed up)",
                 "practices": "Referring practices"}


def year_to_date() -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """This financial year so far, and the same span of the year before."""
    end = today()
    start = financial_year(financial_year_of(end))[0]
    return start, end, start.replace(year=start.year - 1), _year_before(end)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def glance(start: dt.date, end: dt.date) -> dict:
    process, wellbeing = evaluation.process(start=start, end=end), evaluation.wellbeing(start=start, end=end)
    return {"referrals_in": f"{process['referrals_in']:,}", "referrals_out": f"{process['referrals_out']['total']:,}",
            "engaged": f"{evaluation.engaged(evaluation.cohort(start, end)).count():,}",
            "improved": _percent(wellbeing["progress_any_pct"]), "practices": f"{process['practices']:,}"}
