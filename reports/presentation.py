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


MATCHED = "People matched"
EFFECT_NOTE = ("Change: the year after referral less the year before, per person. Would have happened anyway: the "
               "change over the same dates of the 3 people matched to each, who were never referred. Effect: the "
               "difference between the two (the difference in differences), with its 95% confidence interval and p "
               "value (a one-sample t-test; blank with fewer than 10 people matched). A negative effect is a fall "
               "the service made.")
SMD_LIMIT = 0.1


def impact_tables(result: dict, **_) -> list[Table]:
    rows, savings = [], []
    for subgroup in SUBGROUPS:
        group = result["subgroups"][subgroup]
        for measure in MEASURES:
            m = group["measures"][measure]
            rows.append([SUBGROUP_LABELS[subgroup], group["cases"], MEASURE_LABELS[measure], m["case_before"],
                         m["case_after"], m["naive_change"], m["expected_change"], m["effect"], m["ci_low"],
                         m["ci_high"], m["effect_pct"], m["p_value"], m["control_before"], m["control_after"]])
        for years in ("1", "3", "5"):
            savings.append([SUBGROUP_LABELS[subgroup], group["cases"], years, group["savings"][years],
                            group["roi"][years]])
    return [
        Table("impact", "The change, what would have happened anyway, and the effect of the service (per person)",
              [Column("Group"), Column(MATCHED, "count"), Column("Measure"), Column("Before", "number"),
               Column("After", "number"), Column("Change", "number"),
               Column("Would have happened anyway", "number"), Column("Effect", "number"),
               Column("95% CI from", "number"), Column("95% CI to", "number"),
               Column("Effect", "percent", "Effect (% of before)"), Column("p (t-test)", "p"),
               Column("Comparison before", "number", on_page=False),
               Column("Comparison after", "number", on_page=False)], rows, [EFFECT_NOTE, FCE_NOTE]),
        Table("impact_roi", "Saving per person and return on investment, from the effect",
              [Column("Group"), Column(MATCHED, "count"), Column("Years"),
               Column("Saving per person", "money", "Saving per person (£)"),
               Column("£ saved per £ spent", "number")], savings),
        balance_table(result["balance"]),
    ]


def balance_table(balance: dict) -> Table:
    return Table("balance", "How alike the people matched are: balance of the matched groups",
                 [Column("Feature"), Column("People referred (mean)", "number"),
                  Column("People matched to them (mean)", "number"), Column("Standardised difference", "number"),
                  Column(f"Beyond {SMD_LIMIT}")],
                 [[BALANCE_LABELS[key], b["cases"], b["controls"], b["smd"], _beyond(b["smd"])]
                  for key, b in balance.items()],
                 [f"A standardised difference beyond {SMD_LIMIT} either way means the groups differ on that feature "
                  "more than matching should leave them; the effect is then less sure. The risk score's is over the "
                  "people with a score and those of their matches with one."])


BALANCE_LABELS = {"age": "Age (years)", "female": "Women (share)", "prior_nel_admission": "Admissions the year before",
                  "prior_ae_attendance": "A&E attendances the year before",
                  "prior_outpatient": "Outpatient appointments the year before", "risk_score": "Risk score"}


@keeps_suppressed
def _beyond(smd: float) -> str:
    return "Yes" if abs(smd) > SMD_LIMIT else "No"


def matched_roi_table(roi: dict, impact: dict) -> Table:
    """The return on the ROI page: from the naive before-and-after saving beside that from the matched effect."""
    rows = [[SUBGROUP_LABELS[subgroup], years, roi["subgroups"][subgroup]["savings"][years],
             impact["subgroups"][subgroup]["savings"][years], roi["subgroups"][subgroup]["roi"][years],
             impact["subgroups"][subgroup]["roi"][years]] for subgroup in SUBGROUPS for years in ("1", "3", "5")]
    return Table("matched_roi", "The return from the matched effect, beside the return from the change alone",
                 [Column("Group"), Column("Years"),
                  Column("Saving per person from the change", "money", "Saving per person from the change (£)"),
                  Column("Saving per person from the effect", "money", "Saving per person from the effect (£)"),
                  Column("£ per £ from the change", "number"), Column("£ per £ from the effect", "number")], rows,
                 ["The change alone counts every fall after referral as the service's, including the fall that would "
                  "have happened anyway; the effect counts only the fall beyond that of people like them who were "
                  "never referred (the impact report)."])


TABLES = {"process": process_tables, "wellbeing": wellbeing_tables, "episodes": episodes_tables,
          "roi": roi_tables, "impact": impact_tables}


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
    if name == "impact":
        kept = [r for r in t.values if r[0] == SUBGROUP_LABELS["all"] and r[2] != MEASURE_LABELS["bed_days"]]
        interval = [None if SUPPRESSED in (r[8], r[9]) or None in (r[8], r[9]) else [r[8], r[9]] for r in kept]
        return [bars(t, "Change per person, what would have happened anyway, and the effect with its 95% interval",
                     [r[2] for r in kept],
                     [("Change", values(t, 5, kept)), ("Would have happened anyway", values(t, 6, kept)),
                      ("Effect", values(t, 7, kept)), ("95% interval of the effect", interval)])]
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
    if name == "impact":
        everyone = result["subgroups"]["all"]
        return [(MATCHED, _count(everyone["cases"])), ("Found no match", _count(everyone["unmatched"])),
                ("Comparison data until", _uk_date(result["comparison_until"]) or "no extract imported"),
                ("£ saved per £ spent in the first year, from the effect", _num(everyone["roi"]["1"]))]
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
    elif name == "impact":
        everyone = result["subgroups"]["all"]
        if everyone["cases"] == 0 and everyone["unmatched"] == 0:
            return (f"There is no data for this period: no engaged person referred {period} has a full year of "
                    f"hospital data after their referral yet (the hospital data run until "
                    f"{_uk_date(result['data_until']) or 'no extract imported'}).")
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


def _per_person(value: float, measure: str) -> str:
    return f"{abs(value):,.2f}{' bed days' if measure == 'bed_days' else ''}"


def _moved(value: float, measure: str) -> str:
    """"fell by 0.25 a person", as the page rounds it: a change that rounds to nothing did not change."""
    if round(value, 2) == 0:
        return "did not change"
    return f"{'rose' if value > 0 else 'fell'} by {_per_person(value, measure)} a person"


def impact_story(result: dict) -> list[str]:
    """For each measure, in words: the change the people referred saw, what would have happened anyway (the change
    of the people matched to them), and the service's effect, the gap between the two."""
    everyone, story = result["subgroups"]["all"], []
    for measure in MEASURES:
        m, label = everyone["measures"][measure], MEASURE_LABELS[measure]
        needed = (m["case_before"], m["case_after"], m["naive_change"], m["expected_change"], m["effect"])
        if SUPPRESSED in needed:
            story.append(f"{label}: hidden, because they are about too few people.")
            continue
        if None in needed:
            continue
        sentence = (f"{label}: the people referred had {m['case_before']:,.2f} a person in the year before and "
                    f"{m['case_after']:,.2f} in the year after; their use {_moved(m['naive_change'], measure)}. "
                    f"People like them who were never referred {_moved(m['expected_change'], measure)} over the "
                    "same dates: what would have happened anyway. The effect of the service is the difference: ")
        sentence += ("none to speak of" if round(m["effect"], 2) == 0 else
                     f"{_per_person(m['effect'], measure)} {'fewer' if m['effect'] < 0 else 'more'} a person")
        if m["ci_low"] not in (None, SUPPRESSED):
            sentence += (f" (95% interval {m['ci_low']:+,.2f} to {m['ci_high']:+,.2f}, p {_p(m['p_value'])}"
                         f"{'; it includes no effect at all' if m['ci_low'] <= 0 <= m['ci_high'] else ''})")
        story.append(sentence + ".")
    return story


def unmatched_story(result: dict) -> str:
    """How many cases found no match, and why (the report given with `explain`)."""
    everyone = result["subgroups"]["all"]
    unmatched, late = everyone["unmatched"], everyone["unmatched_too_late"]
    if unmatched == 0:
        return "Everyone with a year of hospital data after referral found 3 people like them to compare with."
    if SUPPRESSED in (unmatched, late):
        return ("Some people with a year of hospital data found no match; how many is hidden, because they are too "
                "few.")
    until = _uk_date(result["comparison_until"])
    reasons = []
    if late:
        reasons.append(f"{late:,} because the comparison extract ends on {until}, before their year after referral "
                       "does" if until else f"{late:,} because no comparison extract has been imported")
    if unmatched - late:
        reasons.append(f"{unmatched - late:,} because nobody in the comparison extract had the same sex, age band "
                       "and bands of admissions, A&E attendances and outpatient appointments the year before")
    return (f"{unmatched:,} {'person' if unmatched == 1 else 'people'} with a year of hospital data found no match, "
            f"and are left out of the figures above: {'; '.join(reasons)}.")


METHOD_NOTE = (
    "How this is worked out (evaluation.md section 5). Each engaged person with a year of hospital data after "
    "referral is matched at their referral date to the 3 people of the pseudonymised comparison extract, never "
    "referred, with the same sex, age band (64 or under, 65-74, 75-84, 85 and over) and bands of non-elective "
    "admissions (0, 1, 2, 3 or more), A&E attendances and outpatient appointments (0, 1-2, 3-5, 6 or more) in the "
    "365 days before, measured for them from the first of the same month; the nearest risk score first, ties "
    "broken by the MD5 hash of the pseudo id and the NHS number, so that nobody can choose them. One comparison "
    "person may be matched to several. Each person's change (the 365 days after less the 365 days before) less "
    "the mean change of their 3 matches is their difference; the effect is the mean difference, its interval "
    "Student's t with one fewer degree of freedom than people matched. Savings and returns are worked out from "
    "the effect exactly as on the return on investment page. The method has no settings, so that nobody can "
    "tune it to a result.")
