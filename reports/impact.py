"""5. Impact against a matched comparison group (evaluation.md section 5), in the JSON shape of formats.md.

Each case (an engaged patient with a year of hospital data after referral) is matched in one query to 3 people of
the pseudonymised comparison extract alike at its index date. The query never pairs every case with every
comparison person:

- the comparison people's features are worked out once per index month (the month's episodes in one join with
  the few months the cases fall in), and only in the cells (month and five banded features) some case is in;
- in its cell each case counts the candidates at each risk distance (a cell has at most 102 distinct risk scores,
  blank included), finds the distance at which it has 3, and hashes only the candidates at that distance and
  nearer: the hash, which depends on the case's NHS number, is the costly part.

Back come one row per (case, control) with both's counts in their windows; the means, the differences and the
t-tests are worked out from those as arrays, like the Wilcoxon test's pairs of section 3."""

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass
from math import sqrt

import numpy as np
from django.db import connections, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import ExtractYear

from referrals.models import Referral
from reports.evaluation import (
    MEASURED,
    MEASURES,
    SUBGROUPS,
    YEARS,
    cohort,
    counted_columns,
    engaged_values,
    last_followed_date,
    latest_data_until,
    per_referral_sql,
    roi_options,
    savings_over,
)
from reports.models import ComparisonEpisode, ComparisonPerson, ImportKind

CONTROLS = 3  # comparison people per case
NO_RISK = 1000  # the risk distance when either score is blank
PRIORS = ("nel_admission", "ae_attendance", "outpatient")  # the before-window counts matched on, banded
BALANCE = ("age", "female", "prior_nel_admission", "prior_ae_attendance", "prior_outpatient", "risk_score")
CARRIED = {"nhs": F("patient__nhs_number"), "sex": F("patient__sex"), "yob": ExtractYear("patient__date_of_birth"),
           "ref_year": ExtractYear("referral_date"), "risk": F("risk_score")}


# The matching query ------------------------------------------------------------------------------------------


def _sex_code(column: str) -> str:
    """F 1, M 2, X 3, and U or blank 4 (a blank counts as U)."""
    return f"CASE {column} WHEN 'F' THEN 1 WHEN 'M' THEN 2 WHEN 'X' THEN 3 ELSE 4 END"


def _age_band(age: str) -> str:
    return f"CASE WHEN {age} <= 64 THEN 0 WHEN {age} <= 74 THEN 1 WHEN {age} <= 84 THEN 2 ELSE 3 END"


def _admissions_band(count: str) -> str:
    return f"CASE WHEN {count} >= 3 THEN 3 ELSE {count} END"


def _attendances_band(count: str) -> str:
    return f"CASE WHEN {count} = 0 THEN 0 WHEN {count} <= 2 THEN 1 WHEN {count} <= 5 THEN 2 ELSE 3 END"


def _cell(sex: str, age: str, nel: str, ae: str, outpatient: str) -> str:
    """The five banded features as one number, so that a cell is matched on one column."""
    return (f"({_sex_code(sex)}) * 10000 + ({_age_band(age)}) * 1000 + ({_admissions_band(nel)}) * 100 "
            f"+ ({_attendances_band(ae)}) * 10 + ({_attendances_band(outpatient)})")


def _month(vendor: str, date: str) -> str:
    return f"date({date}, 'start of month')" if vendor == "sqlite" else f"CAST(date_trunc('month', {date}) AS date)"


def _shifted(vendor: str, date: str, days: int) -> str:
    return f"date({date}, '{days:+d} days')" if vendor == "sqlite" else f"({date} + {days:d})"


def _matching_sql(cohort_sql: str, vendor: str) -> str:
    """Every engaged referral of the cohort, followed or not, with its figures, and for each case its controls and
    theirs (one row each, or one row of nulls). Parameters: the last date followed, the cohort's, then the last
    date with a year of comparison data after it, twice."""
    people, episodes = ComparisonPerson._meta.db_table, ComparisonEpisode._meta.db_table
    prior = {kind: f"SUM(CASE WHEN e.episode_type = '{kind}' THEN 1 ELSE 0 END)" for kind in PRIORS}
    kinds = ", ".join(f"'{kind}'" for kind in PRIORS)  # our own constants, never user input
    case_cell = _cell("x.sex", "x.ref_year - x.yob", *(f"x.{kind}_before" for kind in PRIORS))
    person_cell = _cell("p.sex", "m.ref_year - p.year_of_birth", *(f"COALESCE(n.{kind}, 0)" for kind in PRIORS))
    distance = f"CASE WHEN k.risk IS NULL OR cr.risk IS NULL THEN {NO_RISK} ELSE ABS(k.risk - cr.risk) END"
    fence = "OFFSET 0" if vendor == "postgresql" else ""  # the features first, then the cells kept
    return per_referral_sql(cohort_sql, vendor=vendor, carried=("referral_date", *CARRIED)) + (
        # The cases: the followed with a year of comparison data after their index date.
        f", k AS MATERIALIZED (SELECT x.id, x.nhs, x.risk, x.ref_year, {_month(vendor, 'x.referral_date')} AS month, "
        f"{case_cell} AS cell FROM x WHERE x.followed = 1 AND x.referral_date <= %s), "
        f"kc AS MATERIALIZED (SELECT DISTINCT month, cell FROM k), m AS (SELECT DISTINCT month, ref_year FROM k), "
        # The comparison people's features at each month: their episodes counted once per month, not per case.
        f"n AS (SELECT e.person_id, m.month, {', '.join(f'{sql} AS {kind}' for kind, sql in prior.items())} "
        f"FROM m JOIN {episodes} e ON e.start_date >= {_shifted(vendor, 'm.month', -365)} "
        f"AND e.start_date < m.month WHERE e.episode_type IN ({kinds}) GROUP BY e.person_id, m.month), "
        f"f AS MATERIALIZED (SELECT * FROM (SELECT p.id AS person_id, p.pseudo_id, p.risk_score AS risk, m.month, "
        f"{person_cell} AS cell FROM {people} p CROSS JOIN m "
        f"LEFT JOIN n ON n.person_id = p.id AND n.month = m.month {fence}) f "
        f"WHERE (f.month, f.cell) IN (SELECT month, cell FROM kc)), "
        # Per case, the candidates at each risk distance, and how many are nearer.
        f"cr AS (SELECT month, cell, risk, COUNT(*) AS n FROM f GROUP BY month, cell, risk), "
        f"cand AS (SELECT k.id, cr.risk, {distance} AS d, cr.n FROM k JOIN cr ON cr.month = k.month "
        f"AND cr.cell = k.cell), "
        f"dist AS (SELECT id, d, SUM(n) AS n FROM cand GROUP BY id, d), "
        f"nearer AS (SELECT id, d, SUM(n) OVER (PARTITION BY id ORDER BY d) - n AS taken FROM dist), "
        # The hash only at the distances that give the 3: all of a nearer one, the first few of the last.
        f"wanted AS MATERIALIZED (SELECT k.id, k.nhs, k.month, k.cell, COALESCE(w.risk, -1) AS risk, r.d, r.taken "
        f"FROM nearer r JOIN cand w ON w.id = r.id AND w.d = r.d JOIN k ON k.id = r.id "
        f"WHERE r.taken < {CONTROLS}), "
        f"ranked AS (SELECT w.id AS case_id, f.person_id, w.taken, ROW_NUMBER() OVER (PARTITION BY w.id, w.d "
        f"ORDER BY MD5(f.pseudo_id || ':' || w.nhs)) AS rank FROM wanted w "
        f"JOIN f ON f.month = w.month AND f.cell = w.cell AND COALESCE(f.risk, -1) = w.risk), "
        f"km AS (SELECT k.id, k.month AS referral_date FROM k), "
        f"pr AS (SELECT ch.case_id, ch.person_id, p.year_of_birth, p.sex, p.risk_score, "
        f"{counted_columns(vendor, 'km')} FROM ranked ch JOIN km ON km.id = ch.case_id "
        f"JOIN {people} p ON p.id = ch.person_id LEFT JOIN {episodes} e ON e.person_id = ch.person_id "
        f"AND e.start_date >= {_shifted(vendor, 'km.referral_date', -365)} "
        f"AND e.start_date < {_shifted(vendor, 'km.referral_date', 365)} "
        f"WHERE ch.rank <= {CONTROLS} - ch.taken GROUP BY ch.case_id, ch.person_id, p.year_of_birth, p.sex, "
        f"p.risk_score) "
        f"SELECT x.id, x.ods_code, x.followed, x.over_80, x.continuing, "
        f"CASE WHEN x.referral_date <= %s THEN 1 ELSE 0 END, x.ref_year, x.ref_year - x.yob, "
        f"CASE WHEN x.sex = 'F' THEN 1 ELSE 0 END, x.risk, {', '.join(f'x.{m}' for m in MEASURED)}, "
        f"pr.person_id, x.ref_year - pr.year_of_birth, CASE WHEN pr.sex = 'F' THEN 1 ELSE 0 END, pr.risk_score, "
        f"{', '.join(f'pr.{m}' for m in MEASURED)} FROM x LEFT JOIN pr ON pr.case_id = x.id ORDER BY x.id")


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
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(using=values.db) if postgresql else nullcontext(), connection.cursor() as cursor:
        if postgresql:
            # The planner cannot size the cases (a filter on a CTE): thinking them 3 rows, it loops over them,
            # joining every case to every comparison person of its cell (300 s at 2,000 cases). Hash joins scale.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_matching_sql(cohort_sql, connection.vendor),
                       (last_followed_date(data_until), *params, last_comparable, last_comparable))
        rows = cursor.fetchall()
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
