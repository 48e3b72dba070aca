"""The reports as people read them: tables (the same for the page and its CSV downloads) and charts, rounded
for people, with the commissioner's small-number rule (evaluation.md): in a breakdown finer than the whole
cohort, counts from 1 to 7 are shown as *, and so is anything from which such a count could be worked back."""

import datetime as dt
from dataclasses import dataclass
from functools import partial

from outcomes.star import AREA_LABELS
from reports import evaluation
from reports.evaluation import MEASURES, SUBGROUPS
from sps.categories import Category
from sps.lib.dates import today
from sps.lib.percent import format_percentage
from sps.periods import financial_year, financial_year_of

SMALL = range(1, 8)
SUPPRESSED = "*"
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


def suppress_counts(counts: list[int]) -> list:
    """Counts 1-7 become *; if only one would, the next smallest goes too, so that no total gives it away."""
    shown: list = [SUPPRESSED if c in SMALL else c for c in counts]
    hidden = [i for i, c in enumerate(shown) if c == SUPPRESSED]
    if len(hidden) == 1:
        others = sorted((c, i) for i, c in enumerate(counts) if i not in hidden and c)
        if others:
            shown[others[0][1]] = SUPPRESSED
    return shown

# The evaluation shows its percentages to one decimal place.
_percent = partial(format_percentage, places=1)


def _num(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:,.{places}f}"


def _pounds(value: float | None) -> str:
    if value is None:
        return ""
    return f"-£{abs(value):,.0f}" if value < 0 else f"£{value:,.0f}"


def _p(value: float | None) -> str:
    return "" if value is None else ("<0.001" if value < 0.001 else f"{value:.3f}")


def process_tables(result: dict, *, small_numbers: bool, targets: dict[int, int] | None = None) -> list[Table]:
    months = [m["referrals"] for m in result["monthly"]]
    targets = targets or {}
    month_targets = [targets.get(financial_year_of(_month_start(m["month"])), "") for m in result["monthly"]]
    categories = [result["by_category"][c] for c in Category.values]
    out = [result["referrals_out"][k] for k in KIND_LABELS]
    if small_numbers:
        months, categories, out = suppress_counts(months), suppress_counts(categories), suppress_counts(out)
    return [
        Table("monthly", "Referrals in per month, against the target", ["Month", "Referrals", "Target"],
              [[m["month"], n, t] for m, n, t in zip(result["monthly"], months, month_targets, strict=True)]),
        Table("referrals_out", "Onward referrals by kind", ["Kind", "Onward referrals"],
              [[KIND_LABELS[k], n] for k, n in zip(KIND_LABELS, out, strict=True)]),
        Table("by_category", "Onward referrals by category", ["Category", "Onward referrals"],
              [[label, n] for (_, label), n in zip(Category.choices, categories, strict=True)]),
    ]


def wellbeing_tables(result: dict, *, small_numbers: bool, **_) -> list[Table]:
    low = [a["low_baseline"] for a in result["areas"].values()]
    shown_low = suppress_counts(low) if small_numbers else low
    rows = []
    for (key, area), low_count in zip(result["areas"].items(), shown_low, strict=True):
        hide = low_count == SUPPRESSED
        rows.append([AREA_LABELS[key], _percent(area["progress_pct"]), low_count,
                     SUPPRESSED if hide else _percent(area["low_improved_pct"]), _num(area["mean_change"])])
    return [Table("areas", "Progress per area of the star",
                  ["Area", "Improved", "Low at baseline", "Low that improved", "Mean change"], rows)]


def episodes_tables(result: dict, *, small_numbers: bool, **_) -> list[Table]:
    rows = []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        hide = small_numbers and subgroup != "all" and group["patients"] in SMALL
        for measure in MEASURES:
            m = group["measures"][measure]
            rows.append([SUBGROUP_LABELS[subgroup], SUPPRESSED if hide else group["patients"], MEASURE_LABELS[measure],
                         *([SUPPRESSED] * 4 if hide else [m["before"], m["after"], _percent(m["change_pct"]),
                                                           _p(m["p_value"])])])
    return [Table("episodes", "Hospital episodes in the year before and the year after referral",
                  ["Group", "Patients", "Measure", "Before", "After", "Change", "p (Wilcoxon)"], rows)]


def roi_tables(result: dict, *, small_numbers: bool, **_) -> list[Table]:
    rows = []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        hide = small_numbers and subgroup != "all" and group["patients"] in SMALL
        for years in ("1", "3", "5"):
            rows.append([SUBGROUP_LABELS[subgroup], SUPPRESSED if hide else group["patients"], years,
                         SUPPRESSED if hide else _pounds(group["savings"][years]),
                         SUPPRESSED if hide else _num(group["roi"][years])])
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


def headline(name: str, result: dict, *, small: bool, commissioner: bool = False) -> list[tuple[str, str]]:
    """The figures at the top of a report: for the whole cohort as they are; for one practice (`small`), and for
    the top practice's count shown to the commissioner (a per-practice figure), small counts suppressed."""

    def count(value: int, breakdown: bool = False) -> str:
        return SUPPRESSED if (small or (breakdown and commissioner)) and value in SMALL else f"{value:,}"

    if name == "process":
        top = result["top_practice"]
        return [("Referrals in", count(result["referrals_in"])),
                ("Onward referrals", count(result["referrals_out"]["total"])),
                ("Referring practices", count(result["practices"])),
                ("Aged 80 and over", _percent(result["age_80_plus_pct"])),
                ("Aged under 60", _percent(result["age_under_60_pct"])),
                ("Black and minority ethnic", _percent(result["bme_pct"])),
                ("Most referrals", f"{top['name']} ({count(top['referrals'], breakdown=True)})" if top else "")]
    if name == "wellbeing":
        return [("People with a follow-up", count(result["patients"])),
                ("Improved in at least one area", _percent(result["progress_any_pct"])),
                ("Improved in four or more", _percent(result["progress_4plus_pct"])),
                ("Low scores that improved", _percent(result["low_improved_pct"]))]
    if name == "episodes":
        everyone = result["subgroups"]["all"]
        return [("Engaged people with a year of follow-up", count(everyone["patients"])),
                ("Hospital data until", _uk_date(result["data_until"]) or "no extract imported"),
                ("Change in A&E attendances", _percent(everyone["measures"]["ae_attendance"]["change_pct"])),
                ("Change in non-elective admissions", _percent(everyone["measures"]["nel_admission"]["change_pct"]))]
    everyone = result["subgroups"]["all"]
    return [("Programme cost", _pounds(result["programme_cost"])),
            ("Engaged people", count(result["engaged_patients"])),
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
