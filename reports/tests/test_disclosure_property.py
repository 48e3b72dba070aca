"""The commissioner's view of every report over the demo borough, for every practice (and all of them) and every
period the commissioner's form offers: no table, chart, CSV or headline shows a figure about 1 to 7 people, nor
one from which a suppressed figure could be worked back (evaluation.md, "Commissioner view: small numbers"), in
one view or by comparing a financial year's view with its quarters' (the year less the quarters shown; a month
shown in one and hidden in the other).

The checks play someone trying to single a person out. They look only at what the commissioner was shown, and
use the true figures (the report as the manager gets it) only to tell how many people a shown figure is about."""

import copy
import csv
import datetime as dt
import io

from django.db import connection
from django.urls import reverse

from casework.demo import seed_demo
from referrals.models import Status
from reports import catalogue, evaluation
from reports.forms import CommissionerReportForm
from sps.models import Role, User
from sps.periods import resolve_period

DAY = dt.date(2026, 11, 23)
URL = reverse("reports:evaluation")
STAR = "*"
SMALL = range(1, 8)
SUBGROUP_ROWS = {"All engaged": "all", "Under 80": "under_80", "80 and over": "80_plus",
                 "Continued with VCS activity": "continuing"}


def _int(cell) -> int:
    return int(str(cell).replace(",", ""))


def _percent(cell: str) -> float:
    return float(cell.rstrip("%"))


def _share(percent: float | None, of: int) -> int:
    return 0 if percent is None else round(percent * of / 100)


def _column(table, column: int) -> list:
    return [row[column] for row in table.rows]


class Findings(list):
    """What the commissioner could learn that they should not, each said with where it was seen."""

    def small(self, where: str, *counts: int) -> None:
        """A shown figure is about these groups of people: none may be 1-7."""
        if any(count in SMALL for count in counts):
            self.append(f"{where}: shown, about a group of {[c for c in counts if c in SMALL]}")

    def hidden(self, where: str, cells: list) -> None:
        """Figures about a group of 1-7 people: all must be hidden."""
        if any(cell != STAR for cell in cells):
            self.append(f"{where}: about 1-7 people, shown as {cells}")

    def subtraction(self, where: str, total, parts: list, *, rest: bool = False) -> None:
        """A total and its parts shown together: subtraction must not give a hidden part back, nor a group of 1-7.
        With `rest`, the parts leave out a group never shown (people aged 60-79, the other practices)."""
        if total == STAR:
            return
        if not rest and sum(part == STAR for part in parts) == 1:
            self.append(f"{where}: the one hidden part is the total less the others ({total}, {parts})")
        left = _int(total) - sum(_int(part) for part in parts if part != STAR)
        if left in SMALL:
            self.append(f"{where}: the total less the shown parts is {left} ({total}, {parts})")


def _process(findings: Findings, tables: dict, head: dict, truth: dict, bme: tuple[int, int]) -> None:
    referrals, onward = head["Referrals in"], head["Onward referrals"]
    top = head["Most referrals"].rpartition("(")[2].rstrip(")") if head["Most referrals"] else "0"
    counts = [("referrals in", referrals), ("onward referrals", onward), ("top practice", top)] + [
        (f"{name} {row[0]}", row[1]) for name in ("monthly", "referrals_out", "by_category")
        for row in tables[name].rows]
    for where, cell in counts:
        if cell != STAR:
            findings.small(where, _int(cell))
    n = truth["referrals_in"]
    if n in SMALL:
        findings.hidden("process headline", [head[label] for label in (
            "Referrals in", "Referring practices", "Aged 80 and over", "Aged under 60", "Black and minority ethnic")])
    for label, key in (("Aged 80 and over", "age_80_plus_pct"), ("Aged under 60", "age_under_60_pct")):
        if head[label] not in (STAR, ""):
            findings.small(label, _share(truth[key], n), n - _share(truth[key], n))
    if head["Black and minority ethnic"] not in (STAR, ""):
        findings.small("Black and minority ethnic", bme[0], bme[1] - bme[0])
    findings.subtraction("referrals by month", referrals, _column(tables["monthly"], 1))
    findings.subtraction("onward referrals by kind", onward, _column(tables["referrals_out"], 1))
    findings.subtraction("onward referrals by category", onward, _column(tables["by_category"], 1))
    if referrals != STAR:
        ages = [str(_share(_percent(head[label]), _int(referrals))) if head[label] not in (STAR, "") else head[label]
                for label in ("Aged 80 and over", "Aged under 60")]
        findings.subtraction("ages (60-79 the rest)", referrals, [a for a in ages if a != ""], rest=True)
        findings.subtraction("top practice (the others the rest)", referrals, [top], rest=True)


def _wellbeing(findings: Findings, tables: dict, head: dict, truth: dict) -> None:
    patients, rows = truth["patients"], tables["areas"].rows
    if patients in SMALL:
        findings.hidden("wellbeing", [head[label] for label in head] + [c for row in rows for c in row[1:]])
        return
    for row, area in zip(rows, truth["areas"].values(), strict=True):
        improved, low = _share(area["progress_pct"], patients), area["low_baseline"]
        low_up = _share(area["low_improved_pct"], low)
        if row[1] != STAR:
            findings.small(f"{row[0]} improved", improved, patients - improved)
        if row[2] != STAR:
            findings.small(f"{row[0]} low at baseline", low, patients - low)
        if row[3] != STAR:
            findings.small(f"{row[0]} low that improved", low_up, low - low_up)
            if row[1] != STAR and row[2] != STAR:
                findings.small(f"{row[0]} improved, not low", improved - low_up, patients - low - improved + low_up)
    any_area, four = (_share(truth[key], patients) for key in ("progress_any_pct", "progress_4plus_pct"))
    if head["Improved in at least one area"] != STAR:
        findings.small("improved in any area", any_area, patients - any_area)
        for row, area in zip(rows, truth["areas"].values(), strict=True):
            if row[1] != STAR:
                findings.small(f"improved, but not in {row[0]}", any_area - _share(area["progress_pct"], patients))
        if head["Improved in four or more"] != STAR:
            findings.small("improved in one to three areas", any_area - four)
    if head["Improved in four or more"] != STAR:
        findings.small("improved in four or more", four, patients - four)
    overall = head["Low scores that improved"]
    if overall not in (STAR, "") and all(row[2] != STAR for row in rows):
        pairs = sum(_int(row[2]) for row in rows)
        findings.subtraction("low scores that improved, by area", str(_share(_percent(overall), pairs)),
                             [str(_share(_percent(row[3]), _int(row[2]))) if row[3] not in (STAR, "") else row[3]
                              for row in rows if row[3] != ""])


def _subgroups(findings: Findings, table, truth: dict, figure_columns: list[int]) -> dict[str, bool]:
    """Which groups' rows show anything; checks that small groups show nothing, and the complements."""
    shown = {}
    for label, name in SUBGROUP_ROWS.items():
        cells = [row[c] for row in table.rows if row[0] == label for c in figure_columns]
        shown[name] = any(cell != STAR for cell in cells)
        if truth["subgroups"][name]["patients"] in SMALL:
            findings.hidden(f"{table.name} {label}", cells)
    if shown["all"] and shown["under_80"] != shown["80_plus"]:
        findings.append(f"{table.name}: all engaged less one age group gives the other away")
    if shown["all"] and shown["continuing"]:
        everyone = truth["subgroups"]["all"]["patients"]
        findings.small(f"{table.name}: all engaged less continuing",
                       everyone - truth["subgroups"]["continuing"]["patients"])
    return shown


def _episodes(findings: Findings, tables: dict, head: dict, truth: dict) -> None:
    _subgroups(findings, tables["episodes"], truth, [1, 3, 4, 5, 6])
    if truth["subgroups"]["all"]["patients"] in SMALL:
        findings.hidden("episodes headline", [value for label, value in head.items() if label != "Hospital data until"])


def _roi(findings: Findings, tables: dict, head: dict, truth: dict) -> None:
    shown = _subgroups(findings, tables["roi"], truth, [1, 3, 4])
    engaged, everyone = truth["engaged_patients"], truth["subgroups"]["all"]["patients"]
    if everyone in SMALL:
        findings.hidden("roi headline", [head["First-year saving per person"],
                                         *head["£ saved per £ spent, 1 / 3 / 5 years"].split(" / ")])
    if engaged in SMALL:
        findings.hidden("roi engaged people", [head["Engaged people"], head["Cost per person"]])
    if head["Engaged people"] != STAR and shown["all"]:
        findings.small("engaged less those with a year of follow-up", engaged - everyone)
    if head["Engaged people"] == STAR:  # savings / return = cost per person = cost / engaged people
        findings.hidden("returns, with the engaged people hidden", [head["Cost per person"]] + [
            value for value in _column(tables["roi"], 4) + head["£ saved per £ spent, 1 / 3 / 5 years"].split(" / ")
            if value not in ("", "-")])


def _charts_hide_what_tables_hide(findings: Findings, charts: list[dict], tables: dict) -> None:
    """Each chart is drawn from a table column: where the table shows *, the chart draws nothing. The monthly
    trend spans the whole period: a month the table does not list yet (still to come) draws nothing either."""
    columns = {("monthly", "Referrals"): 1, ("monthly", "Target"): 2, ("referrals_out", "Onward referrals"): 1,
               ("by_category", "Onward referrals"): 1, ("areas", "Improved (%)"): 1,
               ("areas", "Low that improved (%)"): 3, ("episodes", "Before"): 3, ("episodes", "After"): 4,
               ("roi", "£ saved per £ spent"): 4}
    for chart in charts:
        rows = tables[chart["id"]].rows
        if chart["id"] == "episodes":
            rows = [row for row in rows if row[2] != "Bed days"]
        if chart["id"] == "monthly":
            listed = {row[0]: row for row in rows}
            rows = [listed.get(" ".join(label), [STAR, STAR, ""]) for label in chart["labels"]]
        for dataset in chart["datasets"]:
            if (chart["id"], dataset["label"]) == ("monthly", "Target"):
                continue  # the manager's target, not a figure about people
            cells = [row[columns[chart["id"], dataset["label"]]] for row in rows]
            drawn = [value for value, cell in zip(dataset["data"], cells, strict=True)
                     if cell == STAR and value is not None]
            if drawn:
                findings.append(f"chart {chart['id']} {dataset['label']} draws hidden figures {drawn}")


def _bme(start: dt.date, end: dt.date, practice: str | None) -> tuple[int, int]:
    """(BME, ethnicity stated) among the period's referrals, counted here, not by the report."""
    ethnicity = list(evaluation.period_referrals(start, end, practice).exclude(status=Status.WITHDRAWN)
                     .values_list("patient__ethnicity", flat=True))
    stated = [e for e in ethnicity if e not in ("Z", "")]
    return sum(e not in ("A", "B", "C") for e in stated), len(stated)


def _check_csvs(findings: Findings, client, query: dict, tables: dict) -> None:
    """Every CSV download holds the figures of its table on the page, which are checked above: the same figures
    (as numbers, not written for people), hidden in the same cells."""
    for name, table in tables.items():
        response = client.get(URL, {**query, "download": name})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        header, values = table.csv()
        if rows != [header] + [["" if cell is None else str(cell) for cell in row] for row in values]:
            findings.append(f"{query} {name}.csv differs from the table's figures")
        on_page = [i for i, column in enumerate(table.columns) if column.on_page]
        if [[row[i] == STAR for i in on_page] for row in rows[1:]] != [[c == STAR for c in r] for r in table.rows]:
            findings.append(f"{query} {name}.csv hides other cells than the table on the page")


CHECKS = {"process": _process, "wellbeing": _wellbeing, "episodes": _episodes, "roi": _roi}


def _figures(name: str, tables: dict, head: dict, truth: dict) -> dict:
    """The shown counts a year's view has in common with its quarters' views: each the year's is the sum of the
    quarters' (a month, keyed ("month", label), is in both its quarter's view and the year's)."""
    if name == "process":
        return {"referrals in": head["Referrals in"], "onward referrals": head["Onward referrals"],
                **{f"onward {row[0]}": row[1] for row in tables["referrals_out"].rows},
                **{f"category {row[0]}": row[1] for row in tables["by_category"].rows},
                **{("month", row[0]): row[1] for row in tables["monthly"].rows}}
    if name == "wellbeing":  # a shown percentage of shown people is a count (taken from the truth: no rounding)
        figures = {"people followed up": head["People with a follow-up"]}
        for row, area in zip(tables["areas"].rows, truth["areas"].values(), strict=True):
            figures[f"improved in {row[0]}"] = STAR if row[1] == STAR else _share(area["progress_pct"],
                                                                                   truth["patients"])
            figures[f"low at baseline in {row[0]}"] = row[2]
        return figures
    table = tables[name]
    figures = {f"people {label}": next(row[1] for row in table.rows if row[0] == label) for label in SUBGROUP_ROWS}
    if name == "roi":
        figures["engaged people"] = head["Engaged people"]
    return figures


def _across_the_year(findings: Findings, where: str, year: dict, quarters: list[dict]) -> None:
    """The year's figure less its quarters' shown must not give a hidden quarter back, nor a group of 1-7; a month
    must be shown alike (or hidden in both) in the year's view and its quarter's."""
    for figure, total in year.items():
        if not isinstance(figure, tuple):
            findings.subtraction(f"{where} {figure}, the year less its quarters", total,
                                 [quarter[figure] for quarter in quarters])
    for quarter in quarters:
        for figure, cell in quarter.items():
            if isinstance(figure, tuple) and str(cell) != str(year[figure]):
                findings.append(f"{where} month {figure[1]}: {year[figure]} in the year's view, {cell} in the "
                                "quarter's")


def _across_practices(findings: Findings, where: str, everyone: dict, practices: list[dict]) -> None:
    """All practices' figure less the practices' shown must not give a hidden practice's back, nor a group of 1-7
    (the commissioner can open each practice in turn, and all of them)."""
    for figure, total in everyone.items():
        findings.subtraction(f"{where} {figure}, all practices less each practice",
                             total, [practice[figure] for practice in practices])


def _findings(client, name: str, period: str, practice: str | None) -> tuple[Findings, list, dict]:
    """What the commissioner's page, charts and CSVs of one report give away, the table cells shown, and the
    figures to compare with the other views of the same financial year."""
    query = {"report": name, "period": period, "practice": practice or ""}
    response = client.get(URL, query)
    assert response.status_code == 200 and not response.context["form"].errors
    start, end = resolve_period(period)
    truth = catalogue.REPORTS[name](start=start, end=end, practice=practice)
    tables = {table.name: table for table in response.context["tables"]}
    head, findings = dict(response.context["headline"]), Findings()
    extra = (_bme(start, end, practice),) if name == "process" else ()
    CHECKS[name](findings, tables, head, truth, *extra)
    _charts_hide_what_tables_hide(findings, response.context["charts"], tables)
    _check_csvs(findings, client, query, tables)
    return (Findings(f"{query}: {finding}" for finding in findings),
            [cell for table in tables.values() for row in table.values for cell in row[1:]],
            _figures(name, tables, head, truth))


def _once(report):
    computed = {}

    def computed_once(**arguments) -> dict:
        key = repr(sorted(arguments.items()))
        if key not in computed:
            computed[key] = report(**arguments)
        return copy.deepcopy(computed[key])
    return computed_once


def test_no_commissioner_output_shows_or_gives_away_a_group_of_one_to_seven(client_for, monkeypatch, db):
    seed_demo(referrals=600, practices=6, today=DAY)
    with connection.cursor() as cursor:  # statistics as after a real load, not from the tests before (tiny tables)
        cursor.execute("ANALYZE")
    monkeypatch.setattr("sps.periods.today", lambda: DAY)
    # Whether a p value is shown is what matters here, not its value (test_evaluation.py checks that against
    # scipy, which takes a tenth of a second a time): a stand-in that is never null shows any leak, and quickly.
    monkeypatch.setattr(evaluation, "_p_value", lambda differences, patients: 0.5)
    # Each page computes its financial year and the four quarters (disclosed together), and so does each CSV: the
    # data stay the same throughout, so each report is computed once for a period and practice, and handed out
    # as a fresh copy (what the view does with it is unchanged).
    for reports in (catalogue.REPORTS, catalogue.BY_PRACTICE):
        for name, report in list(reports.items()):
            monkeypatch.setitem(reports, name, _once(report))
    client = client_for(User.objects.get(role=Role.COMMISSIONER))
    form = CommissionerReportForm()
    periods = [key for key, _ in form.fields["period"].choices]
    practices = [None] + [practice.ods_code for practice in form.fields["practice"].queryset]
    assert "custom" not in periods and len(periods) == 20 and len(practices) == 7
    findings, cells, across = Findings(), [], 0
    for name in CHECKS:
        views = {}
        for practice in practices:
            for period in periods:
                found, shown, views[practice, period] = _findings(client, name, period, practice)
                findings += found
                cells += shown
            for year in (period for period in periods if "q" not in period):
                where = f"{name} {practice or 'all practices'} {year}"
                _across_the_year(findings, where, views[practice, year],
                                 [views[practice, f"{year}q{q}"] for q in range(1, 5)])
                across += 1
        for period in periods:
            _across_practices(findings, f"{name} {period}", views[None, period],
                              [views[practice, period] for practice in practices[1:]])
            across += 1
    assert not findings, "\n".join(findings[:30])
    assert across == len(CHECKS) * (len(practices) * 4 + len(periods))
    # Else this test would check nothing, or pass a commissioner who is shown nothing at all (of about 32,000
    # cells, some 12,600 are hidden and 2,300 are counts of 8 or more).
    assert cells.count(STAR) > 1000 and sum(isinstance(cell, int) and cell >= 8 for cell in cells) > 1000
