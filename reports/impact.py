"""5. Impact against a matched comparison group (evaluation.md section 5), in the JSON shape of formats.md.

Each case (an engaged patient with a year of hospital data after referral) is matched in the database to 3 people
of the pseudonymised comparison extract alike at its index date, in a few steps (see _Steps), never pairing every
case with every comparison person:

- the comparison people's features are worked out once per index month: their episodes are counted for every
  month the cases fall in, in one pass grouped by person;
- in its cell (month and five banded features) each case counts the candidates at each risk distance (a cell has
  at most 102 distinct risk scores, blank included), finds the distance at which it has 3, and hashes only the
  candidates at that distance and nearer: the hash, which depends on the case's NHS number, is the costly part;
- of those, only the few whose hash is low enough to be among the first 3 are ranked (see _wanted_sql).

Back come one row per (case, control) with both's counts in their windows; the means, the differences and the
t-tests are worked out from those as arrays, like the Wilcoxon test's pairs of section 3."""

import datetime as dt
import secrets
from dataclasses import dataclass
from math import sqrt

import numpy as np
from django.db import connections, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear

from referrals.models import Referral
from reports.evaluation import (
    MEASURED,
    MEASURES,
    SUBGROUPS,
    YEARS,
    cohort,
    counted_columns,
    engaged_values,
    in_windows,
    last_followed_date,
    latest_data_until,
    per_referral_sql,
    roi_options,
    savings_over,
)
from reports.models import ComparisonEpisode, ComparisonPerson, ImportKind

CONTROLS = 3  # comparison people per case
NO_RISK = 1000  # the risk distance when either score is blank
NO_SCORE = -1  # a blank risk score, in the steps' tables, where it is a join key
MONTH_CELLS = 50_000  # a cell's number is its index month's times this, plus the five bands' (see _cell)
SHORTLIST = 24  # about how many of a group of tied candidates the hash threshold lets through (see _wanted_sql)
PRIORS = ("nel_admission", "ae_attendance", "outpatient")  # the before-window counts matched on, banded
BALANCE = ("age", "female", "prior_nel_admission", "prior_ae_attendance", "prior_outpatient", "risk_score")
CARRIED = {"nhs": F("patient__nhs_number"), "sex": F("patient__sex"), "yob": ExtractYear("patient__date_of_birth"),
           "ref_year": ExtractYear("referral_date"), "ref_month": ExtractMonth("referral_date"),
           "risk": F("risk_score")}


# The matching, in steps ----------------------------------------------------------------------------------------


def _sex_code(column: str) -> str:
    """F 1, M 2, X 3, and U or blank 4 (a blank counts as U)."""
    return f"CASE {column} WHEN 'F' THEN 1 WHEN 'M' THEN 2 WHEN 'X' THEN 3 ELSE 4 END"


def _age_band(age: str) -> str:
    return f"CASE WHEN {age} <= 64 THEN 0 WHEN {age} <= 74 THEN 1 WHEN {age} <= 84 THEN 2 ELSE 3 END"


def _admissions_band(count: str) -> str:
    return f"CASE WHEN {count} >= 3 THEN 3 ELSE {count} END"


def _attendances_band(count: str) -> str:
    return f"CASE WHEN {count} = 0 THEN 0 WHEN {count} <= 2 THEN 1 WHEN {count} <= 5 THEN 2 ELSE 3 END"


def _cell(month_number: str, sex: str, age: str, nel: str, ae: str, outpatient: str) -> str:
    """The index month and the five banded features as one number, so that a cell is matched on one column: the
    month's number (year * 12 + month - 1) times MONTH_CELLS, plus the bands' digits."""
    return (f"{month_number} * {MONTH_CELLS} + ({_sex_code(sex)}) * 10000 + ({_age_band(age)}) * 1000 "
            f"+ ({_admissions_band(nel)}) * 100 + ({_attendances_band(ae)}) * 10 + ({_attendances_band(outpatient)})")


def _month_number(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


def _month(vendor: str, date: str) -> str:
    return f"date({date}, 'start of month')" if vendor == "sqlite" else f"CAST(date_trunc('month', {date}) AS date)"


STEPS = ("x", "k", "people", "cells", "wanted", "shortlist", "chosen", "controls")


class _Steps:
    """Each step of the matching, for the next ones to read.

    Where the database can be written, each is kept in a table of its own, gone when the transaction the matching
    runs in is rolled back: on PostgreSQL an unlogged table, analysed so that the planner sizes the joins on it, and
    which parallel workers can read (a temporary table or a CTE they cannot: the hashing is most of the work and
    takes both cores); on SQLite a temporary table. On a read-only PostgreSQL (the reports' streaming replica),
    which takes no table at all, each is a CTE of the statements that read it: the same steps, on one core."""

    def __init__(self, cursor, vendor: str, *, in_tables: bool):
        self.cursor, self.vendor, self.in_tables = cursor, vendor, in_tables
        self.postgresql = vendor == "postgresql"
        self.prefix = f"impact_{secrets.token_hex(4)}_"  # two matchings at once never share a name
        self.ctes: list[tuple[str, str, list]] = []

    def __getattr__(self, step: str) -> str:
        """A step's table (or CTE) name, as `steps.k`."""
        if step not in STEPS:
            raise AttributeError(step)
        return self.prefix + step

    def keep(self, step: str, sql: str, params=()) -> None:
        name = self.prefix + step
        if not self.in_tables:
            self.ctes.append((name, sql, list(params)))
            return
        self.cursor.execute(f"CREATE {'UNLOGGED' if self.postgresql else 'TEMPORARY'} TABLE {name} AS {sql}",
                            list(params))
        if self.postgresql:
            self.cursor.execute(f"ANALYZE {name}")

    def read(self, sql: str, params=()) -> list[tuple]:
        """The rows of `sql`, which reads the steps kept so far."""
        if self.ctes:
            sql = f"WITH {', '.join(f'{name} AS MATERIALIZED ({body})' for name, body, _ in self.ctes)} {sql}"
            params = [*(value for _, _, values in self.ctes for value in values), *params]
        self.cursor.execute(sql, list(params))
        return self.cursor.fetchall()

    def binary(self, text: str) -> str:
        """`text` compared byte by byte: an MD5's hex digits sort as its bytes do."""
        return f'{text} COLLATE "C"' if self.postgresql else text


def _matched_rows(steps: _Steps, cohort_sql: str, params, last_followed, last_comparable) -> list[tuple]:
    """Every engaged referral of the cohort, followed or not, with its figures, and for each case its controls and
    theirs: one row each, or one row of nulls."""
    vendor = steps.vendor
    steps.keep("x", per_referral_sql(cohort_sql, vendor=vendor, carried=("referral_date", *CARRIED))
               + "SELECT * FROM x", (last_followed, *params))
    # The cases: the followed with a year of comparison data after their index date.
    case_cell = _cell("(x.ref_year * 12 + x.ref_month - 1)", "x.sex", "x.ref_year - x.yob",
                      *(f"x.{kind}_before" for kind in PRIORS))
    steps.keep("k", f"SELECT x.id, x.nhs, x.risk, {_month(vendor, 'x.referral_date')} AS referral_date, "
                    f"CAST({case_cell} AS integer) AS cell FROM {steps.x} x "
                    f"WHERE x.followed = 1 AND x.referral_date <= %s",
               (last_comparable,))
    months = [dt.date.fromisoformat(month) if isinstance(month, str) else month
              for (month,) in steps.read(f"SELECT DISTINCT referral_date FROM {steps.k} ORDER BY referral_date")]
    if months:
        _controls(steps, months)
    return steps.read(_final_sql(steps, controls=bool(months)), (last_comparable,))


def _controls(steps: _Steps, months: list[dt.date]) -> None:
    """The table `controls`: each case's 3 controls, with their figures."""
    steps.keep("people", *_people_sql(steps, months))
    # Each person's cell at each index month, one row each; read twice, never written out (12 million rows).
    at_months = " UNION ALL ".join(f"SELECT cell_{j} AS cell, risk, person_id, pre FROM {steps.people}"
                                   for j in range(len(months)))
    steps.keep("cells", f"SELECT cell, risk, COUNT(*) AS n FROM ({at_months}) f "
                        f"WHERE cell IN (SELECT cell FROM {steps.k}) GROUP BY cell, risk")
    steps.keep("wanted", _wanted_sql(steps))
    if steps.vendor == "sqlite":
        steps.cursor.execute(f"CREATE INDEX {steps.wanted}_cell ON {steps.wanted} (cell, risk)")  # no hash join
    shortlist = (f"SELECT w.id, w.d, w.need, f.person_id, {steps.binary('MD5(f.pre || w.nhs)')} AS hash "
                 f"FROM {steps.wanted} w JOIN ({at_months}) f ON f.cell = w.cell AND f.risk = w.risk "
                 f"WHERE {steps.binary('MD5(f.pre || w.nhs)')} < w.below")
    steps.keep("shortlist", shortlist)
    if steps.in_tables and _too_few_through(steps):
        steps.cursor.execute(f"DROP TABLE {steps.shortlist}")
        steps.keep("shortlist", shortlist)
    steps.keep("chosen", f"SELECT id AS case_id, person_id FROM (SELECT id, person_id, need, ROW_NUMBER() OVER "
                         f"(PARTITION BY id, d ORDER BY {steps.binary('hash')}) AS rank FROM {steps.shortlist}) r "
                         f"WHERE rank <= need")
    vendor = steps.vendor
    steps.keep("controls", (
        f"SELECT ch.case_id, ch.person_id, p.year_of_birth, p.sex, p.risk_score, {counted_columns(vendor, 'k')} "
        f"FROM {steps.chosen} ch JOIN {steps.k} k ON k.id = ch.case_id "
        f"JOIN {ComparisonPerson._meta.db_table} p ON p.id = ch.person_id "
        f"LEFT JOIN {ComparisonEpisode._meta.db_table} e ON e.person_id = ch.person_id "
        f"AND {in_windows(vendor, 'k.referral_date')} "
        f"GROUP BY ch.case_id, ch.person_id, p.year_of_birth, p.sex, p.risk_score"))


def _people_sql(steps: _Steps, months: list[dt.date]) -> tuple[str, list]:
    """Every comparison person with `pre` (their pseudo id and the colon the hash puts after it), their risk score
    (NO_SCORE for a blank, to be a join key) and `cell_j`, their cell at the j-th index month: their episodes are
    counted for every month in one pass, grouped by person."""
    counts, params = [], []
    for j, month in enumerate(months):
        for kind in PRIORS:  # our own constants, never user input
            counts.append(f"COUNT(*) FILTER (WHERE e.episode_type = '{kind}' AND e.start_date >= %s "
                          f"AND e.start_date < %s) AS {kind}_{j}")
            params += [month - dt.timedelta(days=365), month]
    cells = (_cell(str(_month_number(month)), "p.sex", f"{month.year} - p.year_of_birth",
                   *(f"COALESCE(n.{kind}_{j}, 0)" for kind in PRIORS)) + f" AS cell_{j}"
             for j, month in enumerate(months))
    kinds = ", ".join(f"'{kind}'" for kind in PRIORS)
    return (f"SELECT p.id AS person_id, p.pseudo_id || ':' AS pre, COALESCE(p.risk_score, {NO_SCORE}) AS risk, "
            f"{', '.join(cells)} FROM {ComparisonPerson._meta.db_table} p LEFT JOIN (SELECT e.person_id, "
            f"{', '.join(counts)} FROM {ComparisonEpisode._meta.db_table} e WHERE e.episode_type IN ({kinds}) "
            f"AND e.start_date >= %s AND e.start_date < %s GROUP BY e.person_id) n ON n.person_id = p.id",
            [*params, months[0] - dt.timedelta(days=365), months[-1]])


def _wanted_sql(steps: _Steps) -> str:
    """Per case, the candidates it needs to hash: one row per risk score (a join key) at each distance up to the
    one at which it has its 3, with `need` (how many it takes at that distance) and `below`.

    The hash is the costly part: a case without a risk score must hash everyone in its cell (thousands), as every
    candidate is at distance NO_RISK. But it keeps only the first 3 by hash, and MD5 is uniform: of a group of n
    candidates, about SHORTLIST have a hash below SHORTLIST / n of the range. Only those are ranked, which spares
    sorting the rest (93 million rows at 20,000 cases). A group with fewer than `need` below its threshold (a chance
    of about 1 in 100 million) is hashed again whole; `below` 'g' (after every hex digit) lets everyone through. As
    CTEs, where there is no table to check that in afterwards, everyone is let through."""
    distance = f"CASE WHEN k.risk IS NULL OR c.risk = {NO_SCORE} THEN {NO_RISK} ELSE ABS(k.risk - c.risk) END"
    fraction = f"CAST({SHORTLIST} * 4294967296.0 / r.n AS {'bigint' if steps.postgresql else 'INTEGER'})"
    threshold = (f"lpad(to_hex({fraction}), 8, '0')" if steps.postgresql
                 else f"printf('%%08x', {fraction})")  # the first 8 hex digits of the fraction of the range
    below = f"CASE WHEN r.n <= {SHORTLIST} THEN 'g' ELSE {threshold} END" if steps.in_tables else "'g'"
    return (f"WITH candidates AS (SELECT k.id, c.risk, {distance} AS d, c.n FROM {steps.k} k "
            f"JOIN {steps.cells} c ON c.cell = k.cell), "
            f"groups AS (SELECT id, d, SUM(n) AS n FROM candidates GROUP BY id, d), "
            f"nearer AS (SELECT id, d, n, SUM(n) OVER (PARTITION BY id ORDER BY d) - n AS taken FROM groups) "
            f"SELECT k.id, k.nhs, k.cell, c.risk, r.d, {CONTROLS} - r.taken AS need, "
            f"{below} AS below "
            f"FROM nearer r JOIN candidates c ON c.id = r.id AND c.d = r.d JOIN {steps.k} k ON k.id = r.id "
            f"WHERE r.taken < {CONTROLS}")


def _too_few_through(steps: _Steps) -> bool:
    """Let every candidate of a group with fewer than it needs below its threshold through; whether there was one."""
    steps.cursor.execute(
        f"UPDATE {steps.wanted} SET below = 'g' WHERE id IN (SELECT g.id FROM (SELECT DISTINCT id, d, need "
        f"FROM {steps.wanted} WHERE below <> 'g') g LEFT JOIN (SELECT id, d, COUNT(*) AS n FROM {steps.shortlist} "
        f"GROUP BY id, d) s ON s.id = g.id AND s.d = g.d WHERE COALESCE(s.n, 0) < g.need)")
    return steps.cursor.rowcount > 0


def _final_sql(steps: _Steps, *, controls: bool) -> str:
    """Parameter: the last date with a year of comparison data after it."""
    theirs = (f"pr.person_id, x.ref_year - pr.year_of_birth, CASE WHEN pr.sex = 'F' THEN 1 ELSE 0 END, "
              f"pr.risk_score, {', '.join(f'pr.{m}' for m in MEASURED)}"
              if controls else ", ".join(["NULL"] * len(CONTROL_COLUMNS)))
    return (f"SELECT x.id, x.ods_code, x.followed, x.over_80, x.continuing, "
            f"CASE WHEN x.referral_date <= %s THEN 1 ELSE 0 END, x.ref_year, x.ref_year - x.yob, "
            f"CASE WHEN x.sex = 'F' THEN 1 ELSE 0 END, x.risk, {', '.join(f'x.{m}' for m in MEASURED)}, {theirs} "
            f"FROM {steps.x} x {f'LEFT JOIN {steps.controls} pr ON pr.case_id = x.id ' if controls else ''}"
            f"ORDER BY x.id")


# The cases and their controls, as arrays ---------------------------------------------------------------------

CASE_COLUMNS = ("id", "ods_code", "followed", "over_80", "continuing", "comparable", "ref_year", "age", "female",
                "risk", *MEASURED)
CONTROL_COLUMNS = ("person", "age", "female", "risk", *MEASURED)


@dataclass
class Matched:
    """Per engaged referral (followed or not): `case` its figures, each an array over the referrals; `controls`
    the means of its controls' figures (nan without one) and `n` how many it has; `risk_controls` the mean risk of
    its controls with a score and `n_risk` how many of them have one; `pairs` (referral index, comparison person)
    of every match."""

    case: dict[str, np.ndarray]
    controls: dict[str, np.ndarray]
    n: np.ndarray
    risk_controls: np.ndarray
    n_risk: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray]
    data_until: dt.date | None = None  # the service's hospital data and the comparison extract's, as matched
    comparison_until: dt.date | None = None


def match(referrals: QuerySet[Referral], data_until: dt.date | None) -> Matched:
    """The engaged of `referrals` matched, with the hospital data until `data_until` (default: the latest extract's)
    and the comparison extract's latest."""
    data_until = data_until or latest_data_until()
    comparison_until = latest_data_until(ImportKind.COMPARISON_EPISODES)
    values = engaged_values(referrals, **CARRIED)
    connection = connections[values.db]
    cohort_sql, params = values.query.sql_with_params()
    last_comparable = last_followed_date(comparison_until)
    with transaction.atomic(using=values.db), connection.cursor() as cursor:
        in_tables = True
        if connection.vendor == "postgresql":
            # Whether the steps can be tables (not on the reports' replica, which is read-only). The hashing's join,
            # sorted and merged rather than hashed, took 51 s instead of 40 (20,000 cases).
            cursor.execute("SELECT current_setting('transaction_read_only'), "
                           "set_config('enable_mergejoin', 'off', true)")
            in_tables = cursor.fetchone()[0] == "off"
            if not in_tables:
                # The planner cannot size a filtered CTE: thinking the cases 3 rows, it loops over them, joining
                # every case to every comparison person of its cell (300 s at 2,000 cases). Hash joins scale.
                cursor.execute("SET LOCAL enable_nestloop = off")
        steps = _Steps(cursor, connection.vendor, in_tables=in_tables)
        rows = _matched_rows(steps, cohort_sql, params, last_followed_date(data_until), last_comparable)
        transaction.set_rollback(True, using=values.db)  # the steps' tables go with it
    matched = _arrays(rows)
    matched.data_until, matched.comparison_until = data_until, comparison_until
    return matched


def _arrays(rows: list[tuple]) -> Matched:
    width = len(CASE_COLUMNS)
    table = np.array(rows, dtype=object).reshape(len(rows), width + len(CONTROL_COLUMNS))
    ids = table[:, 0].astype(np.int64)
    new_case = np.r_[True, ids[1:] != ids[:-1]] if len(ids) else np.array([], dtype=bool)
    case = {name: _column(table[new_case, j], name) for j, name in enumerate(CASE_COLUMNS)}
    with_control = table[:, width] != None  # noqa: E711 (element-wise)
    of, size = (np.cumsum(new_case) - 1)[with_control], int(new_case.sum())
    control = {name: _column(table[with_control, width + j], name) for j, name in enumerate(CONTROL_COLUMNS)}
    n = np.bincount(of, minlength=size)
    scored = ~np.isnan(control["risk"])
    n_risk = np.bincount(of[scored], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):  # nan for a case without a control
        controls = {name: np.bincount(of, weights=control[name], minlength=size) / n
                    for name in CONTROL_COLUMNS if name not in ("person", "risk")}
        risk_controls = np.bincount(of[scored], weights=control["risk"][scored], minlength=size) / n_risk
    return Matched(case, controls, n, risk_controls, n_risk, (of, control["person"].astype(np.int64)))


def _column(values: np.ndarray, name: str) -> np.ndarray:
    if name == "ods_code":
        return values
    return np.array([np.nan if value is None else value for value in values], dtype=float)


# The report --------------------------------------------------------------------------------------------------


def impact(*, start: dt.date, end: dt.date, practice: str | None = None, data_until: dt.date | None = None,
           programme_cost_override: float | None = None, persistence: float = 0.5, discount_rate: float = 0.035,
           unit_costs: dict[str, float] | None = None, explain: bool = False) -> dict:
    """The report. With `explain`, what the page says besides (and the commissioner's disclosure needs): each
    subgroup's unmatched cases referred too late for the comparison extract (`unmatched_too_late`), the engaged
    people the cost per person is shared among (`engaged_patients`), the matched cases the risk score's balance
    is over (`risk_scored_cases`), and the return's options (`programme_cost`, `persistence`, `discount_rate`)."""
    options = roi_options(start, end, programme_cost_override, persistence, discount_rate, unit_costs)
    return _impact_result(start, end, match(cohort(start, end, practice), data_until), None, options,
                          explain=explain)


def impact_by_practice(*, start: dt.date, end: dt.date, practices: list[str], data_until: dt.date | None = None,
                       programme_cost_override: float | None = None, persistence: float = 0.5,
                       discount_rate: float = 0.035, unit_costs: dict[str, float] | None = None,
                       explain: bool = False) -> dict[str, dict]:
    """Each practice's impact, as `impact` gives it for that practice, from one matching of every practice's
    cases (a case's controls depend on the case alone)."""
    options = roi_options(start, end, programme_cost_override, persistence, discount_rate, unit_costs)
    matched = match(cohort(start, end, per_practice=True), data_until)
    return {code: _impact_result(start, end, matched, code, options, explain=explain) for code in practices}


def _impact_result(start: dt.date, end: dt.date, matched: Matched, practice: str | None, options: dict, *,
                   explain: bool = False) -> dict:
    case = matched.case
    view = case["ods_code"] == practice if practice else np.ones(len(case["id"]), dtype=bool)
    engaged = int(view.sum())
    per_patient = options["spent"] / engaged if engaged else None
    followed = view & (case["followed"] == 1)
    subgroups = {}
    for name in SUBGROUPS:
        members = followed & _subgroup(case, name)
        subgroups[name] = _subgroup_figures(matched, members, per_patient, options)
        if explain:
            subgroups[name]["unmatched_too_late"] = int((members & (case["comparable"] == 0)).sum())
    balance, risk_scored = _balance(matched, followed & (matched.n > 0))
    result = {"report": "impact", "from": start.isoformat(), "to": end.isoformat(),
              "data_until": _iso(matched.data_until), "comparison_until": _iso(matched.comparison_until),
              "subgroups": subgroups, "balance": balance}
    if explain:
        result.update(engaged_patients=engaged, risk_scored_cases=risk_scored, programme_cost=options["spent"],
                      persistence=options["persistence"], discount_rate=options["discount_rate"])
    return result


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _subgroup(case: dict[str, np.ndarray], name: str) -> np.ndarray:
    return {"all": case["followed"] >= 0, "under_80": case["over_80"] == 0, "80_plus": case["over_80"] == 1,
            "continuing": case["continuing"] == 1}[name]


def _subgroup_figures(matched: Matched, members: np.ndarray, per_patient: float | None, options: dict) -> dict:
    cases = members & (matched.n > 0)
    chosen = cases[matched.pairs[0]] if len(matched.pairs[0]) else np.array([], dtype=bool)
    measures = {measure: _measure(matched, cases, measure) for measure in MEASURES}
    year1 = None if not cases.any() else -sum(measures[m]["effect"] * options["costs"][m] for m in MEASURES)
    savings = {str(n): None if year1 is None else savings_over(year1, n, options["persistence"],
                                                               options["discount_rate"]) for n in YEARS}
    return {"cases": int(cases.sum()), "unmatched": int((members & (matched.n == 0)).sum()),
            "controls": int(np.unique(matched.pairs[1][chosen]).size), "measures": measures, "saving_year1": year1,
            "savings": savings, "roi": {n: None if s is None or not per_patient else s / per_patient
                                        for n, s in savings.items()}}


def _measure(matched: Matched, cases: np.ndarray, measure: str) -> dict:
    figures = {}
    for who, columns in (("case", matched.case), ("control", matched.controls)):
        for when in ("before", "after"):
            figures[f"{who}_{when}"] = columns[f"{measure}_{when}"][cases]
    change = figures["case_after"] - figures["case_before"]
    expected = figures["control_after"] - figures["control_before"]
    differences = change - expected
    means = {name: _mean(values) for name, values in figures.items()}
    effect = _mean(differences)
    low, high, p_value = _interval(differences)
    return {**means, "naive_change": _mean(change), "expected_change": _mean(expected), "effect": effect,
            "effect_pct": None if effect is None or not means["case_before"] else effect / means["case_before"] * 100,
            "ci_low": low, "ci_high": high, "p_value": p_value}


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def _interval(differences: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """The 95% confidence interval of the mean difference (Student's t) and the two-sided one-sample t-test
    against 0; null with fewer than 10 cases or no spread."""
    n = len(differences)
    if n < 10:
        return None, None, None
    sd = float(differences.std(ddof=1))
    if sd == 0:
        return None, None, None
    from scipy.stats import t, ttest_1samp

    mean, half = float(differences.mean()), float(t.ppf(0.975, n - 1)) * sd / sqrt(n)
    return mean - half, mean + half, float(ttest_1samp(differences, 0).pvalue)


def _balance(matched: Matched, cases: np.ndarray) -> tuple[dict, int]:
    """Each feature's mean over the matched cases and over the means of their controls, and the standardised
    difference between them; and how many cases the risk score's is over."""
    case, controls = matched.case, matched.controls
    pairs = {"age": (case["age"], controls["age"]), "female": (case["female"], controls["female"])}
    pairs.update({f"prior_{kind}": (case[f"{kind}_before"], controls[f"{kind}_before"]) for kind in PRIORS})
    scored = cases & ~np.isnan(case["risk"]) & (matched.n_risk > 0)
    balance = {name: _standardised(ours[cases], theirs[cases]) for name, (ours, theirs) in pairs.items()}
    balance["risk_score"] = _standardised(case["risk"][scored], matched.risk_controls[scored])
    return balance, int(scored.sum())


def _standardised(cases: np.ndarray, controls: np.ndarray) -> dict:
    if not len(cases):
        return {"cases": None, "controls": None, "smd": None}
    ours, theirs = float(cases.mean()), float(controls.mean())
    if len(cases) < 2:
        return {"cases": ours, "controls": theirs, "smd": None}
    spread = (cases.var(ddof=1) + controls.var(ddof=1)) / 2
    return {"cases": ours, "controls": theirs, "smd": None if spread == 0 else float((ours - theirs) / sqrt(spread))}
