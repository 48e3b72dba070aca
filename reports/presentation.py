"""The reports as people read them: tables (the same for the page and its CSV downloads) and charts, rounded
for people. They show the figures they are given: for the commissioner, the report data has been through
`reports.disclosure.disclose` first, and a figure it hid arrives as "*" and is shown as "*" (a gap in a chart)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial, wraps

from outcomes.star import AREA_LABELS
from reports import evaluation
from reports.disclosure import SUPPRESSED
from reports.evaluation import MEASURES, SUBGROUPS
from sps.categories import Category
from sps.lib.dates import today, years_before
from sps.lib.percent import format_percentage
from sps.periods import financial_year, financial_year_of

SUBGROUP_LABELS = {"all": "All engaged", "under_80": "Under 80", "80_plus": "80 and over",
                   "continuing": "Continued with VCS activity"}
MEASURE_LABELS = {"nel_admission": "Non-elective admissions", "nel_fce": "Non-elective FCEs",
                  "ae_attendance": "A&E attendances", "outpatient": "Outpatient appointments", "bed_days": "Bed days"}
KIND_LABELS = {"commissioned": "Commissioned VCS", "non_commissioned": "Non-commissioned VCS",
               "non_vcs": "Non-VCS", "signposts": "Signposts"}


@dataclass
class Column:
    """A column of a report table: its heading, and what kind of figure it holds (how it is written)."""

    header: str
    kind: str = "text"  # text, month, count, percent, number, money or p (a p value)
    csv_header: str = ""  # in the CSV, when it differs (the unit that the page writes in each cell)
    on_page: bool = True  # False: in the CSV only


@dataclass
class Table:
    """A report's table, its figures as the report gives them ("*" where the commissioner's are hidden): the
    page writes them for people (rounded, £, %, months in words), the CSV for spreadsheets (plain numbers)."""

    name: str
    title: str
    columns: list[Column]
    values: list[list]
    notes: list[str] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.columns if column.on_page]

    @property
    def rows(self) -> list[list[str]]:
        return [[ON_PAGE[column.kind](value) for column, value in zip(self.columns, row, strict=True)
                 if column.on_page] for row in self.values]

    def csv(self) -> tuple[list[str], list[list]]:
        return ([column.csv_header or column.header for column in self.columns],
                [[IN_CSV[column.kind](value) for column, value in zip(self.columns, row, strict=True)]
                 for row in self.values])


def keeps_suppressed(format_value: Callable[..., str]) -> Callable[..., str]:
    """A formatter that passes a hidden figure ("*") through as it is, and a missing one (None) as nothing."""

    @wraps(format_value)
    def formatted(value, *args, **kwargs) -> str:
        if value is None:
            return ""
        return SUPPRESSED if value == SUPPRESSED else format_value(value, *args, **kwargs)

    return formatted


# The evaluation shows its percentages to one decimal place.
_percent = keeps_suppressed(partial(format_percentage, places=1))


@keeps_suppressed
def _count(value: int) -> str:
    return f"{value:,}"


@keeps_suppressed
def _num(value: float, places: int = 2) -> str:
    return f"{value:,.{places}f}"


@keeps_suppressed
def _pounds(value: float) -> str:
    return f"-£{abs(value):,.0f}" if value < 0 else f"£{value:,.0f}"


@keeps_suppressed
def _p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def month_name(month: str) -> str:
    """"2026-04" -> "April 2026"."""
    return f"{_month_start(month):%B %Y}"


ON_PAGE = {"text": keeps_suppressed(str), "month": month_name, "count": _count, "percent": _percent,
           "number": _num, "money": _pounds, "p": _p}
# Spreadsheets add up numbers, not "£8,648" or "12.5%": the CSVs give the figures as numbers, rounded as the page
# rounds them (money to the pound), the unit in the column's heading.
IN_CSV = {"text": keeps_suppressed(lambda value: value), "month": month_name,
          "count": keeps_suppressed(lambda value: value),
          "percent": keeps_suppressed(lambda value: round(value, 1)),
          "number": keeps_suppressed(lambda value: round(value, 2)),
          "money": keeps_suppressed(lambda value: round(value)),
          "p": keeps_suppressed(lambda value: float(f"{value:.3g}"))}

PEOPLE_FOLLOWED = "People with a year of hospital data"
P_VALUE_NOTE = ("p (Wilcoxon): how likely a change at least this large would be if the service made no difference "
                "to hospital use (a Wilcoxon signed-rank test on each person's year before and year after). Below "
                "0.05 is usually taken to mean the change is unlikely to be chance; blank when fewer than 10 people's "
                "figures changed.")
FCE_NOTE = ("FCE: a finished consultant episode, the time a patient spends under one consultant's care. One "
            "non-elective admission (a hospital stay that was not planned) may have several, so admissions are "
            "costed, not FCEs.")


def process_tables(result: dict, *, targets: dict[int, int] | None = None) -> list[Table]:
    targets = targets or {}
    months = [m for m in result["monthly"] if not _to_come(m["month"])]
    notes = [] if len(months) == len(result["monthly"]) else [
        f"{month_name(result['monthly'][len(months)]['month'])} and the months after it are still to come."]
    return [
        Table("monthly", "Referrals in per month, against the target",
              [Column("Month", "month"), Column("Month (ISO)", on_page=False), Column("Referrals", "count"),
               Column("Target", "count")],
              [[m["month"], m["month"], m["referrals"], targets.get(financial_year_of(_month_start(m["month"])))]
               for m in months], notes),
        Table("referrals_out", "Onward referrals by kind", [Column("Kind"), Column("Onward referrals", "count")],
              [[label, result["referrals_out"][kind]] for kind, label in KIND_LABELS.items()]),
        Table("by_category", "Onward referrals by category", [Column("Category"), Column("Onward referrals", "count")],
              [[label, result["by_category"][category]] for category, label in Category.choices]),
    ]


def wellbeing_tables(result: dict, **_) -> list[Table]:
    rows = [[AREA_LABELS[key], area["progress_pct"], area["low_baseline"], area["low_improved_pct"],
             area["mean_change"]] for key, area in result["areas"].items()]
    return [Table("areas", "Progress per area of the star",
                  [Column("Area"), Column("Improved", "percent", "Improved (%)"),
                   Column("Low at baseline", "count"), Column("Low that improved", "percent", "Low that improved (%)"),
                   Column("Mean change", "number")], rows)]


def episodes_tables(result: dict, **_) -> list[Table]:
    rows = []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        for measure in MEASURES:
            m = group["measures"][measure]
            rows.append([SUBGROUP_LABELS[subgroup], group["patients"], MEASURE_LABELS[measure], m["before"],
                         m["after"], m["change_pct"], m["p_value"]])
    return [Table("episodes", "Hospital episodes in the year before and the year after referral",
                  [Column("Group"), Column(PEOPLE_FOLLOWED, "count"), Column("Measure"), Column("Before", "count"),
                   Column("After", "count"), Column("Change", "percent", "Change (%)"), Column("p (Wilcoxon)", "p")],
                  rows, [P_VALUE_NOTE, FCE_NOTE])]


def roi_tables(result: dict, **_) -> list[Table]:
    rows = []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        for years in ("1", "3", "5"):
            rows.append([SUBGROUP_LABELS[subgroup], group["patients"], years, group["savings"][years],
                         group["roi"][years]])
    return [Table("roi", "Saving per person and return on investment",
                  [Column("Group"), Column(PEOPLE_FOLLOWED, "count"), Column("Years"),
                   Column("Saving per person", "money", "Saving per person (£)"),
                   Column("£ saved per £ spent", "number")], rows)]


TABLES = {"process": process_tables, "wellbeing": wellbeing_tables, "episodes": episodes_tables,
          "roi": roi_tables}


def charts(name: str, result: dict, tables: list[Table], *, targets: dict[int, int] | None = None) -> list[dict]:
    """Chart.js figures drawn from the same tables (a hidden figure draws as a gap). Every chart but the monthly
    trend lies on its side, so that each label is written out in full on its own line."""

    def values(table: Table, column: int, rows: list[list] | None = None) -> list:
        return [None if row[column] == SUPPRESSED else row[column] for row in (table.values if rows is None else rows)]

    def bars(table: Table, title: str, labels: list, datasets: list[tuple[str, list]]) -> dict:
        return {"id": table.name, "type": "bar", "title": title, "labels": labels, "horizontal": True,
                "datasets": [{"label": label, "data": data} for label, data in datasets]}

    if name == "process":
        monthly, *others = tables
        return [_trend(result, monthly, targets or {})] + [
            bars(t, t.title, [r[0] for r in t.values], [(t.columns[1].header, values(t, 1))]) for t in others]
    t = tables[0]
    if name == "wellbeing":
        return [bars(t, "Share improving per area (%)", [r[0] for r in t.values],
                     [("Improved (%)", values(t, 1)), ("Low that improved (%)", values(t, 3))])]
    if name == "episodes":
        kept = [r for r in t.values if r[2] != MEASURE_LABELS["bed_days"]]
        return [bars(t, "Episodes before and after, per group", [f"{r[0]}: {r[2]}" for r in kept],
                     [("Before", values(t, 3, kept)), ("After", values(t, 4, kept))])]
    return [bars(t, "£ saved per £ spent over 1, 3 and 5 years",
                 [f"{r[0]}, over {r[2]} year{'' if r[2] == '1' else 's'}" for r in t.values],
                 [("£ saved per £ spent", values(t, 4))])]


def _trend(result: dict, monthly: Table, targets: dict[int, int]) -> dict:
    """Referrals a month over the whole period, against the target: months still to come have no bar (not a bar
    of 0 under the target line). Each month is labelled on two lines, "April" over "2026"."""
    shown = {row[1]: row[2] for row in monthly.values}
    months = [m["month"] for m in result["monthly"]]
    trend = {"id": monthly.name, "type": "bar", "title": monthly.title, "horizontal": False,
             "labels": [month_name(month).split(" ") for month in months],
             "datasets": [{"label": "Referrals",
                           "data": [None if shown.get(m, SUPPRESSED) == SUPPRESSED else shown[m] for m in months]}]}
    target = [targets.get(financial_year_of(_month_start(month))) for month in months]
    if any(value is not None for value in target):
        trend["datasets"].append({"label": "Target", "data": target, "type": "line"})
    return trend


def _month_start(month: str) -> dt.date:
    """"2026-11" -> 01/11/2026."""
    return dt.date.fromisoformat(f"{month}-01")


def _to_come(month: str) -> bool:
    """A month that has not started yet."""
    return _month_start(month) > today()


def _uk_date(iso: str | None) -> str:
    return "" if not iso else f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


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
        return [(PEOPLE_FOLLOWED, _count(everyone["patients"])),
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


def no_data(name: str, result: dict, start: dt.date, end: dt.date) -> str:
    """What to say, in place of a page of dashes, when a period has nothing to report: decided on the report's own
    figures (a real 0; a hidden figure is something)."""
    period = f"between {start:%d/%m/%Y} and {end:%d/%m/%Y}"
    if name == "process":
        if result["referrals_in"] == 0 and result["referrals_out"]["total"] == 0:
            return f"There is no data for this period: no referrals came in, and nobody was referred on, {period}."
    elif name == "wellbeing":
        if result["patients"] == 0:
            return (f"There is no data for this period: nobody referred {period} has a baseline star reading and a "
                    "later one yet.")
    elif result["subgroups"]["all"]["patients"] == 0:
        until = (f"the hospital data run until {_uk_date(result['data_until'])}" if result.get("data_until")
                 else "the hospital data run until the latest extract" if name == "roi"
                 else "no hospital extract has been imported")
        return (f"There is no data for this period: no engaged person referred {period} has a full year of hospital "
                f"data after their referral yet ({until}).")
    return ""


def roi_people(result: dict) -> str:
    """Why the headline's engaged people are more than the table's: said with the report's own two figures."""
    return (f"Engaged people ({_count(result['engaged_patients'])}) are everyone who engaged with the service in this "
            "period: the cost per person shares the programme cost among them. The table's people with a year of "
            f"hospital data ({_count(result['subgroups']['all']['patients'])}) are those of them with a full year of "
            "hospital data after their referral, which a saving needs; the others were referred less than a year "
            "before the hospital data end.")


# What one unit of each measure is, for the unit costs.
UNIT_LABELS = {"nel_admission": "a non-elective admission", "nel_fce": "a non-elective FCE",
               "ae_attendance": "an A&E attendance", "outpatient": "an outpatient appointment", "bed_days": "a bed day"}


def unit_costs(result: dict, end: dt.date) -> str:
    """The unit costs the savings use, named in words and written as money."""
    year = financial_year_of(end)
    costs = "; ".join(f"{UNIT_LABELS[measure]} {_pounds(result['unit_costs'][measure])}" for measure in MEASURES
                      if measure in result["unit_costs"])
    return (f"Unit costs used (financial year {year}/{(year + 1) % 100:02d}): {costs}. Admissions are costed, not the "
            "FCEs within them, so that nothing is counted twice.")


GLANCE_LABELS = {"referrals_in": "Referrals in", "referrals_out": "Onward referrals",
                 "engaged": "People engaged", "improved": "Improved in at least one area (of those followed up)",
                 "practices": "Referring practices"}


def year_to_date() -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """This financial year so far, and the same span of the year before."""
    end = today()
    start = financial_year(financial_year_of(end))[0]
    return start, end, start.replace(year=start.year - 1), years_before(end, 1)


def glance(start: dt.date, end: dt.date) -> dict:
    process, wellbeing = evaluation.process(start=start, end=end), evaluation.wellbeing(start=start, end=end)
    return {"referrals_in": f"{process['referrals_in']:,}", "referrals_out": f"{process['referrals_out']['total']:,}",
            "engaged": f"{evaluation.engaged(evaluation.cohort(start, end)).count():,}",
            "improved": _percent(wellbeing["progress_any_pct"]), "practices": f"{process['practices']:,}"}
