"""The four reports of the evaluation, exactly as ../shared/spec/evaluation.md defines them; each returns the
JSON shape of formats.md. The report pages, their CSV downloads and `manage.py report` all call these.

Everything is counted in the database; only the per-patient (before, after) pairs of the Wilcoxon test come
into memory, as arrays."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import numpy as np
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, TruncMonth

from outcomes.models import ReadingKind, StarReading
from outcomes.star import AREA_KEYS, LOW
from providers.models import OnwardKind, OnwardReferral, OnwardStatus, SpotPurchase, SpotPurchaseStatus
from referrals.models import Referral, Status
from reports.models import EpisodeType, HospitalEpisode, HospitalUse, ImportBatch, ImportKind, ProgrammeCost
from reports.selectors import unit_costs_for
from sps.categories import Category
from sps.lib.percent import percentage
from sps.periods import financial_year_of

WHITE = ("A", "B", "C")
NOT_STATED = ("Z", "")
SUBGROUPS = ("all", "under_80", "80_plus", "continuing")
MEASURES = ("nel_admission", "nel_fce", "ae_attendance", "outpatient", "bed_days")
MEASURED = tuple(f"{m}_{when}" for m in MEASURES for when in ("before", "after"))
YEARS = (1, 3, 5)
REFERRAL_COUNTS = ("referrals_in", "age_80_plus", "age_under_60", "ethnicity_stated", "bme")


def with_age(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Age in completed years on the referral date, computed by the database."""
    birthday_to_come = Case(
        When(Q(ref_month__lt=F("dob_month")) | Q(ref_month=F("dob_month"), ref_day__lt=F("dob_day")), then=1),
        default=0, output_field=IntegerField())
    return referrals.annotate(
        ref_month=ExtractMonth("referral_date"), ref_day=ExtractDay("referral_date"),
        dob_month=ExtractMonth("patient__date_of_birth"), dob_day=ExtractDay("patient__date_of_birth"),
    ).annotate(age=ExpressionWrapper(ExtractYear("referral_date") - ExtractYear("patient__date_of_birth")
                                     - birthday_to_come, output_field=IntegerField()))


def period_referrals(start: dt.date, end: dt.date, practice: str | None = None) -> QuerySet[Referral]:
    """Referrals whose referral date falls in the period (inclusive), from the practice if one is given."""
    referrals = Referral.objects.filter(referral_date__range=(start, end))
    return referrals.filter(practice__ods_code=practice) if practice else referrals


def cohort(start: dt.date, end: dt.date, practice: str | None = None, *,
           per_practice: bool = False) -> QuerySet[Referral]:
    """The cohort: referrals in the period, leaving out withdrawn and declined ones; a patient counts once, with
    their earliest such referral (on the same date, the one created first). With `per_practice`, every practice's
    own cohort at once: a patient referred by two practices counts once at each."""
    eligible = period_referrals(start, end, practice).exclude(status__in=[Status.WITHDRAWN, Status.DECLINED])
    earlier = eligible.filter(patient=OuterRef("patient")).filter(
        Q(referral_date__lt=OuterRef("referral_date"))
        | Q(referral_date=OuterRef("referral_date"), created_at__lt=OuterRef("created_at"))
        | Q(referral_date=OuterRef("referral_date"), created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
    if per_practice:
        earlier = earlier.filter(practice=OuterRef("practice"))
    # "No earlier one" becomes one hash anti-join on the patient, which the planner sizes well and can run in
    # parallel. A subquery picking each patient's first referral could not be sized, and at 100,000 referrals was
    # planned as a loop that grew with the square of the cohort; numbering each patient's referrals in a window
    # and joining back took twice as long as this at 1.3 million (issue 13).
    return eligible.filter(~Exists(earlier)).order_by()


def engaged(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Substantively engaged (domain.md): a baseline star reading, and an onward referral other than a signpost
    whose status is started or completed."""
    baseline = StarReading.objects.filter(referral=OuterRef("pk"), kind=ReadingKind.BASELINE)
    taken_up = OnwardReferral.objects.filter(referral=OuterRef("pk"), status__in=[OnwardStatus.STARTED,
                                                                                 OnwardStatus.COMPLETED]) \
        .exclude(kind=OnwardKind.SIGNPOST)
    return referrals.filter(Exists(baseline), Exists(taken_up))


# 1. Process measures ---------------------------------------------------------------------------------------
#
# Counted in two grouped queries, one over the referrals and one over the onward referrals. Referrals come per
# practice and month (the top practice needs each practice's count); all practices' figures are those of every
# practice added up (a referral is from one practice), and one practice's are its own.


def process(*, start: dt.date, end: dt.date, practice: str | None = None) -> dict:
    counts = _referral_counts(start, end, practice)
    return _process_result(start, end, counts, _onward_counts(start, end, practice)[None])


def process_by_practice(*, start: dt.date, end: dt.date, practices: list[str]) -> dict[str, dict]:
    """Each practice's process measures, as `process` gives them for that practice."""
    counts, onward = _referral_counts(start, end), _onward_counts(start, end, per_practice=True)
    return {code: _process_result(start, end, {code: counts[code]} if code in counts else {}, onward[code])
            for code in practices}


def _referral_counts(start: dt.date, end: dt.date, practice: str | None = None) -> dict[str, dict]:
    """Per practice that has some: its name and referrals in (all, by age, by ethnicity and by month)."""
    referrals = with_age(period_referrals(start, end, practice).exclude(status=Status.WITHDRAWN))
    counts = defaultdict(lambda: {"name": "", "monthly": Counter(), **dict.fromkeys(REFERRAL_COUNTS, 0)})
    for row in referrals.annotate(month=TruncMonth("referral_date")).values(
            "practice__ods_code", "practice__name", "month").annotate(
            referrals_in=Count("pk"), age_80_plus=Count("pk", filter=Q(age__gte=80)),
            age_under_60=Count("pk", filter=Q(age__lt=60)),
            ethnicity_stated=Count("pk", filter=~Q(patient__ethnicity__in=NOT_STATED)),
            bme=Count("pk", filter=~Q(patient__ethnicity__in=NOT_STATED + WHITE))).order_by():
        practice_counts = counts[row["practice__ods_code"]]
        practice_counts["name"] = row["practice__name"]
        practice_counts["monthly"][(row["month"].year, row["month"].month)] += row["referrals_in"]  # date or datetime
        for key in REFERRAL_COUNTS:
            practice_counts[key] += row[key]
    return counts



def _onward_counts(start: dt.date, end: dt.date, practice: str | None = None, *,
                   per_practice: bool = False) -> dict[str | None, Counter]:
    """Onward referrals made in the period, counted by (kind, category): for every practice under None, or for
    each practice under its code."""
    onward = OnwardReferral.objects.filter(made_date__range=(start, end))
    if practice:
        onward = onward.filter(referral__practice__ods_code=practice)
    by = ["referral__practice__ods_code"] if per_practice else []
    counts = defaultdict(Counter)
    for *code, kind, category, n in onward.annotate(category=Coalesce("service__category", Value(Category.OTHER))) \
            .values_list(*by, "kind", "category").annotate(n=Count("pk")).order_by():
        counts[code[0] if code else None][kind, category] += n
    return counts


def _process_result(start: dt.date, end: dt.date, counts: dict[str, dict], onward: Counter) -> dict:
    def total(key: str) -> int:
        return sum(practice[key] for practice in counts.values())

    referrals_in, monthly = total("referrals_in"), sum((practice["monthly"] for practice in counts.values()),
                                                         Counter())
    by_kind, by_category = Counter(), Counter()
    for (kind, category), n in onward.items():
        by_kind[kind] += n
        by_category[category] += n
    top = min((code for code, practice in counts.items() if practice["referrals_in"]),
              key=lambda code: (-counts[code]["referrals_in"], code), default=None)
    out = {kind: by_kind[kind] for kind in ("commissioned", "non_commissioned", "non_vcs")}
    out["signposts"] = by_kind[OnwardKind.SIGNPOST]
    out["total"] = sum(out.values())
    return {
        "report": "process", "from": start.isoformat(), "to": end.isoformat(),
        "referrals_in": referrals_in, "referrals_out": out,
        "practices": sum(1 for practice in counts.values() if practice["referrals_in"]),
        "top_practice": {"ods_code": top, "name": counts[top]["name"], "referrals": counts[top]["referrals_in"]}
        if top else None,
        "age_80_plus_pct": percentage(total("age_80_plus"), referrals_in),
        "age_under_60_pct": percentage(total("age_under_60"), referrals_in),
        "bme_pct": percentage(total("bme"), total("ethnicity_stated")),
        "by_category": {category: by_category[category] for category in Category.values},
        "monthly": [{"month": f"{month:%Y-%m}", "referrals": monthly[(month.year, month.month)]}
                    for month in _months(start, end)],
    }


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


# 2. Wellbeing outcomes -------------------------------------------------------------------------------------


def _wellbeing_sql(cohort_sql: str, *, by_practice: bool) -> str:
    """Baseline: the earliest baseline reading of each cohort referral. Follow-up: its latest review or discharge
    reading dated after the baseline, a discharge winning a tie of dates (evaluation.md section 2). The sums come
    per practice (the cohort's `ods_code` column) if asked, else in one row (sorting a national cohort's readings
    by practice took a fifth of the report's time).

    The follow-up is found by one index look-up per baseline (a subquery on the reading's id), not by joining two
    sets the planner cannot size: at 100,000 referrals that join was planned as a nested loop over both and took a
    minute (issue 13). The baselines are not materialised: left to the planner, they are found in parallel (3.0 s
    to 2.7 s at national size, the same figures)."""
    readings = StarReading._meta.db_table
    # Quoted constants of ours, never user input.
    baseline, review, discharge = (f"'{kind}'" for kind in (ReadingKind.BASELINE, ReadingKind.REVIEW,
                                                            ReadingKind.DISCHARGE))
    improved = [f"CASE WHEN f.{a} > b.{a} THEN 1 ELSE 0 END" for a in AREA_KEYS]
    per_area = ", ".join(
        f"SUM({up}), SUM(CASE WHEN b.{a} <= {LOW} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN b.{a} <= {LOW} AND f.{a} > b.{a} THEN 1 ELSE 0 END), SUM(f.{a} - b.{a})"
        for a, up in zip(AREA_KEYS, improved, strict=True))
    return (
        f"WITH cohort AS ({cohort_sql}), "
        f"baseline AS (SELECT * FROM (SELECT r.*, c.ods_code, ROW_NUMBER() OVER (PARTITION BY "
        f"r.referral_id ORDER BY r.reading_date, r.id) AS n FROM {readings} r JOIN cohort c ON c.id = r.referral_id "
        f"WHERE r.kind = {baseline}) ranked WHERE n = 1) "
        f"SELECT {'b.ods_code' if by_practice else 'NULL'}, COUNT(*), "
        f"SUM(CASE WHEN {' + '.join(improved)} >= 1 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {' + '.join(improved)} >= 4 THEN 1 ELSE 0 END), {per_area} "
        f"FROM baseline b JOIN {readings} f ON f.id = (SELECT r.id FROM {readings} r "
        f"WHERE r.referral_id = b.referral_id AND r.kind IN ({review}, {discharge}) "
        f"AND r.reading_date > b.reading_date ORDER BY r.reading_date DESC, "
        f"CASE WHEN r.kind = {discharge} THEN 1 ELSE 0 END DESC, r.id DESC LIMIT 1) "
        + ("GROUP BY b.ods_code" if by_practice else ""))


def wellbeing(*, start: dt.date, end: dt.date, practice: str | None = None) -> dict:
    [sums] = _wellbeing_sums(cohort(start, end, practice), by_practice=False).values()
    return _wellbeing_result(start, end, sums)


def wellbeing_by_practice(*, start: dt.date, end: dt.date, practices: list[str]) -> dict[str, dict]:
    """Each practice's wellbeing outcomes, as `wellbeing` gives them for that practice."""
    sums = _wellbeing_sums(cohort(start, end, per_practice=True), by_practice=True)
    return {code: _wellbeing_result(start, end, sums.get(code, [])) for code in practices}


def _wellbeing_sums(referrals: QuerySet[Referral], *, by_practice: bool) -> dict[str | None, list[int]]:
    referrals = referrals.values("id", ods_code=F("practice__ods_code"))
    cohort_sql, params = referrals.query.sql_with_params()
    with connections[referrals.db].cursor() as cursor:
        cursor.execute(_wellbeing_sql(cohort_sql, by_practice=by_practice), params)
        return {code: [value or 0 for value in sums] for code, *sums in cursor.fetchall()}


def _wellbeing_result(start: dt.date, end: dt.date, sums: list[int]) -> dict:
    sums = sums or [0] * (3 + 4 * len(AREA_KEYS))
    patients, any_area, four_plus = sums[:3]
    areas, low_pairs, low_improved = {}, 0, 0
    for i, key in enumerate(AREA_KEYS):
        improved, low, low_up, change = sums[3 + 4 * i: 7 + 4 * i]
        areas[key] = {"progress_pct": percentage(improved, patients), "low_baseline": low,
                      "low_improved_pct": percentage(low_up, low),
                      "mean_change": None if not patients else change / patients}
        low_pairs += low
        low_improved += low_up
    return {"report": "wellbeing", "from": start.isoformat(), "to": end.isoformat(), "patients": patients,
            "progress_any_pct": percentage(any_area, patients), "progress_4plus_pct": percentage(four_plus, patients),
            "low_improved_pct": percentage(low_improved, low_pairs), "areas": areas}


# 3. Hospital episodes --------------------------------------------------------------------------------------


def latest_data_until(kind: str = ImportKind.EPISODES) -> dt.date | None:
    """The latest date the imported hospital extracts cover: the service's patients', or with
    `ImportKind.COMPARISON_EPISODES` the comparison extract's."""
    return ImportBatch.objects.filter(kind=kind).order_by("-covered_until").values_list(
        "covered_until", flat=True).first()


def counted_columns(vendor: str, referral: str, *, each: str = "1", days: str | None = None) -> str:
    """Each of MEASURED: a measure's episodes (or bed days) before or after the index date, as sums over the
    episodes `e` joined to the referral aliased `referral` in its windows (see _window). `each` and `days`: what an
    episode adds to its count and to the bed days, when not 1 and its own (see add_hospital_use)."""
    if days is None:
        days = ("CAST(julianday(e.end_date) - julianday(e.start_date) AS INTEGER)" if vendor == "sqlite"
                else "(e.end_date - e.start_date)")
    counted = {}
    # Our own constants, never user input.
    for when, test in (("before", f"e.start_date < {referral}.referral_date"),
                       ("after", f"e.start_date >= {referral}.referral_date")):
        for kind in EpisodeType.values:
            counted[f"{kind}_{when}"] = f"SUM(CASE WHEN {test} AND e.episode_type = '{kind}' THEN {each} ELSE 0 END)"
        counted[f"bed_days_{when}"] = (f"SUM(CASE WHEN {test} AND e.episode_type = '{EpisodeType.NEL_ADMISSION}' "
                                       f"THEN COALESCE({days}, 0) ELSE 0 END)")
    return ", ".join(f"{counted[name]} AS {name}" for name in MEASURED)


def _window(vendor: str, referral: str) -> str:
    """The join condition of the episodes `e` in a referral's before and after windows."""
    return f"e.patient_id = {referral}.patient_id AND {in_windows(vendor, f'{referral}.referral_date')}"


def in_windows(vendor: str, index_date: str) -> str:
    """The episode `e` starts in the before or the after window of `index_date` (a column): 365 days either side."""
    return (f"e.start_date >= {_shifted(vendor, index_date, -365)} "
            f"AND e.start_date < {_shifted(vendor, index_date, 365)}")


def _shifted(vendor: str, date: str, days: int) -> str:
    return f"date({date}, '{days:+d} days')" if vendor == "sqlite" else f"({date} + {days:d})"


def _kept_row_current(referral: str) -> str:
    """The kept row `h` is the referral's and was counted for its present patient and date."""
    return (f"h.referral_id = {referral}.id AND h.patient_id = {referral}.patient_id "
            f"AND h.referral_date = {referral}.referral_date")


def count_hospital_use(cursor, patients_sql: str | None = None) -> None:
    """Count again, and keep (HospitalUse), the hospital use of every referral of the patients `patients_sql`
    selects (a query of patient ids), or of every referral. Called in the transaction that changes episodes."""
    vendor = cursor.db.vendor
    referrals, kept = Referral._meta.db_table, HospitalUse._meta.db_table
    chosen = f"WHERE r.patient_id IN ({patients_sql})" if patients_sql else ""
    cursor.execute(f"DELETE FROM {kept} WHERE referral_id IN (SELECT r.id FROM {referrals} r {chosen})"
                   if patients_sql else f"DELETE FROM {kept}")
    cursor.execute(
        f"INSERT INTO {kept} (referral_id, patient_id, referral_date, {', '.join(MEASURED)}) "
        f"SELECT r.id, r.patient_id, r.referral_date, {counted_columns(vendor, 'r')} "
        f"FROM {referrals} r LEFT JOIN {HospitalEpisode._meta.db_table} e ON {_window(vendor, 'r')} {chosen} "
        f"GROUP BY r.id, r.patient_id, r.referral_date")


def add_hospital_use(cursor, changes: str) -> None:
    """Bring the kept hospital use up to date with the episodes an import has just written, listed in the table
    `changes` (patient_id, episode_type, start_date, n, days): a new episode adds n = 1 and its days, a changed end
    date n = 0 and the days it adds or takes away. Each current kept row of those patients' referrals gets what falls
    in its windows; the referrals of those patients with no current row are counted whole. Proportional to the
    import, not to the patients' episodes: counting 200,000 patients whole took 7-9 s at national size, a third of
    a million-row import (issue 13). PostgreSQL only (UPDATE ... FROM a grouped join)."""
    referrals, kept, current = Referral._meta.db_table, HospitalUse._meta.db_table, _kept_row_current("r")
    cursor.execute(
        f"WITH r AS (SELECT r.id, r.patient_id, r.referral_date, "
        f"{counted_columns('postgresql', 'r', each='e.n', days='e.days')} "
        f"FROM {changes} e JOIN {referrals} r ON {_window('postgresql', 'r')} GROUP BY r.id) "
        f"UPDATE {kept} h SET {', '.join(f'{m} = h.{m} + r.{m}' for m in MEASURED)} FROM r WHERE {current}")
    uncounted = f"{changes}_uncounted"
    cursor.execute(f"CREATE TEMPORARY TABLE {uncounted} AS SELECT DISTINCT r.patient_id FROM {referrals} r "
                   f"WHERE r.patient_id IN (SELECT patient_id FROM {changes}) "
                   f"AND NOT EXISTS (SELECT 1 FROM {kept} h WHERE {current})")
    if cursor.rowcount:
        count_hospital_use(cursor, f"SELECT patient_id FROM {uncounted}")
    cursor.execute(f"DROP TABLE {uncounted}")


def _hospital_sql(cohort_sql: str, *, by_practice: bool, differences: bool, vendor: str) -> str:
    """Hospital use per group of engaged patients: how many patients, and for those with a full year of follow-up
    (the first parameter, before the cohort's, is the last index date followed) per measure the episodes (or bed
    days) before and after their index date. Grouped by followed or not, 80 and over and continuing, and by practice
    and/or by each patient's five before - after differences if asked: those differences are all the Wilcoxon test
    needs, so a whole cohort comes back as a few thousand rows, not a row per patient. The return on investment
    needs every engaged patient, so one pass serves both.

    Index date: the referral date. Before: index - 365 days <= start < index. After: index <= start < index + 365
    days. Bed days: the sum of (end - start) in days over nel_admission spells starting in the window (no end date
    counts 0). Each referral's counts are those the import kept (HospitalUse) when they were counted for its
    present patient and date; the others are counted here from the episodes (issue 13)."""
    keys = ["x.followed", "x.over_80", "x.continuing"]
    if by_practice:
        keys.append("x.ods_code")
    if differences:
        keys += [f"x.{m}_before - x.{m}_after" for m in MEASURES]
    sums = [f"CAST(SUM(x.{m}) AS BIGINT)" for m in MEASURED]  # not numeric: 450,000 Decimals took 0.1 s
    return (per_referral_sql(cohort_sql, vendor=vendor)
            + f"SELECT {', '.join(keys)}, COUNT(*), {', '.join(sums)} FROM x GROUP BY {', '.join(keys)}")


def per_referral_sql(cohort_sql: str, *, vendor: str, carried: tuple[str, ...] = ()) -> str:
    """The CTEs `c` (the cohort, with `followed`: the first parameter, before the cohort's, is the last index date
    followed) and `x`: per engaged referral its id, followed, over_80, continuing, ods_code, the cohort's
    `carried` columns, and for the followed each of MEASURED (see _hospital_sql)."""
    kept, episodes_table = HospitalUse._meta.db_table, HospitalEpisode._meta.db_table
    same = _kept_row_current("c")
    described = ("c.id, c.followed, CASE WHEN c.age >= 80 THEN 1 ELSE 0 END AS over_80, "
                 "CASE WHEN c.continuing THEN 1 ELSE 0 END AS continuing, c.ods_code"
                 + "".join(f", c.{column}" for column in carried))
    cohort = f"SELECT *, CASE WHEN referral_date <= %s THEN 1 ELSE 0 END AS followed FROM ({cohort_sql}) cohort"
    if vendor == "postgresql":
        # One pass the planner can run in parallel: each referral's kept row, or else its count from the episodes
        # (a lateral join, skipped where the row was kept). 0.3 s faster at national size than the form below.
        return (
            f"WITH c AS ({cohort}), "
            f"x AS (SELECT {described}, {', '.join(f'COALESCE(h.{m}, l.{m}, 0) AS {m}' for m in MEASURED)} "
            f"FROM c LEFT JOIN {kept} h ON {same} AND c.followed = 1 "
            f"LEFT JOIN LATERAL (SELECT {counted_columns(vendor, 'c')} FROM {episodes_table} e "
            f"WHERE {_window(vendor, 'c')} AND c.followed = 1 AND h.referral_id IS NULL) l ON true) ")
    # Counted live: the followed whose counts were not kept. Each referral's counts in one grouped left join,
    # then the groups: no join back to the cohort, whose size the planner may not know.
    return (
        f"WITH c AS MATERIALIZED ({cohort}), "
        f"x AS (SELECT {described}, {', '.join(f'COALESCE(h.{m}, 0) AS {m}' for m in MEASURED)} "
        f"FROM c LEFT JOIN {kept} h ON {same} AND c.followed = 1 "
        f"WHERE c.followed = 0 OR h.referral_id IS NOT NULL "
        f"UNION ALL "
        f"SELECT {described}, {counted_columns(vendor, 'c')} "
        f"FROM c LEFT JOIN {episodes_table} e ON {_window(vendor, 'c')} "
        f"WHERE c.followed = 1 AND NOT EXISTS (SELECT 1 FROM {kept} h WHERE {same}) "
        f"GROUP BY c.id, c.followed, c.age, c.continuing, c.ods_code"
        + "".join(f", c.{column}" for column in carried) + ") ")


def last_followed_date(data_until: dt.date | None) -> dt.date | None:
    """The last index date with a full year after it: index + 365 days <= data_until + 1 day."""
    return data_until - dt.timedelta(days=364) if data_until else None


def engaged_values(cohort: QuerySet[Referral], **carried) -> QuerySet[Referral]:
    """The cohort's engaged referrals with the columns per_referral_sql reads, and `carried` ones."""
    continued = OnwardReferral.objects.filter(referral=OuterRef("pk"), continued_after_end=True)
    return with_age(engaged(cohort)).annotate(continuing=Exists(continued)).values(
        "id", "patient_id", "referral_date", "age", "continuing", ods_code=F("practice__ods_code"), **carried)


def hospital_groups(cohort: QuerySet[Referral], data_until: dt.date | None, *, by_practice: bool = False,
                    differences: bool = False) -> list[dict]:
    """The cohort's engaged patients in groups as `_hospital_sql` makes them, each a dict: followed (a full year of
    follow-up: index + 365 days <= data_until + 1 day; nobody without hospital data), over_80, continuing, ods_code
    and differences (each if asked), patients, and {measure}_before / {measure}_after."""
    last_followed = last_followed_date(data_until)
    referrals = engaged_values(cohort)
    connection = connections[referrals.db]
    cohort_sql, params = referrals.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_hospital_sql(cohort_sql, by_practice=by_practice, differences=differences,
                                     vendor=connection.vendor), (last_followed, *params))
        rows = cursor.fetchall()
    groups = []
    for row in rows:
        followed, over_80, continuing, *rest = row
        group = {"followed": bool(followed), "over_80": bool(over_80), "continuing": bool(continuing)}
        if by_practice:
            group["ods_code"] = rest.pop(0)
        if differences:
            group["differences"] = dict(zip(MEASURES, rest[:len(MEASURES)], strict=True))
            rest = rest[len(MEASURES):]
        group["patients"], *sums = rest
        group.update(zip(MEASURED, sums, strict=True))
        groups.append(group)
    return groups


def _followed_columns(groups: list[dict], p_values: bool) -> dict[str, np.ndarray]:
    """The followed groups' figures as columns, so that a subgroup's are sums over a mask: summed in Python, a
    national cohort's 45,000 groups took a quarter of a second a report."""
    followed = [group for group in groups if group["followed"]]
    columns = {name: np.array([group[name] for group in followed], dtype=np.int64)
               for name in ("over_80", "continuing", "patients", *MEASURED)}
    if p_values:
        columns.update({f"{m}_differences": np.array([group["differences"][m] for group in followed], dtype=np.int64)
                        for m in MEASURES})
    return columns


def _subgroup_mask(columns: dict[str, np.ndarray], subgroup: str) -> np.ndarray:
    return {"all": columns["patients"] >= 0, "under_80": columns["over_80"] == 0, "80_plus": columns["over_80"] == 1,
            "continuing": columns["continuing"] == 1}[subgroup]


def _p_value(differences: np.ndarray, patients: np.ndarray) -> float | None:
    """Two-sided Wilcoxon signed-rank test of the (before - after) differences, each distinct difference given with
    how many patients have it, zero differences dropped, as scipy computes it by default; null with fewer than 10
    non-zero differences. Over 50 differences scipy uses the normal approximation with the tie correction, which
    needs only how many differences share each absolute value: worked out here from the groups, because spelling
    out a national cohort's 300,000 differences for scipy took 0.6 s a report (issue 13)."""
    nonzero = differences != 0
    if patients[nonzero].sum() < 10:
        return None
    if patients.sum() <= 50:  # scipy's exact or permutation test
        from scipy.stats import wilcoxon

        return float(wilcoxon(np.repeat(differences, patients), zero_method="wilcox").pvalue)
    from scipy.stats import norm

    sizes, signs = patients[nonzero].astype(float), np.sign(differences[nonzero])
    _, tie = np.unique(np.abs(differences[nonzero]), return_inverse=True)
    tied = np.bincount(tie, weights=sizes)  # patients per absolute difference, smallest first
    positive = np.bincount(tie, weights=sizes * (signs > 0))
    rank = np.cumsum(tied) - (tied - 1) / 2  # each tie's average rank
    n = tied.sum()
    z = ((rank * positive).sum() - n * (n + 1) / 4) / np.sqrt(
        (n * (n + 1) * (2 * n + 1) - (tied ** 3 - tied).sum() / 2) / 24)
    return float(min(1.0, 2 * norm.sf(abs(z))))


def _measures(columns: dict[str, np.ndarray], mask: np.ndarray, p_values: bool) -> dict:
    patients = columns["patients"][mask]
    measures = {}
    for measure in MEASURES:
        total_before = int(columns[f"{measure}_before"][mask].sum())
        total_after = int(columns[f"{measure}_after"][mask].sum())
        measures[measure] = {
            "before": total_before, "after": total_after,
            "change_pct": None if not total_before else (total_after - total_before) / total_before * 100,
            "p_value": _p_value(columns[f"{measure}_differences"][mask], patients) if p_values else None,
        }
    return measures


def episodes(*, start: dt.date, end: dt.date, practice: str | None = None, data_until: dt.date | None = None,
             p_values: bool = True) -> dict:
    data_until = data_until or latest_data_until()
    groups = hospital_groups(cohort(start, end, practice), data_until, differences=p_values) if data_until else []
    return _episodes_result(start, end, data_until, groups, p_values=p_values)


def episodes_by_practice(*, start: dt.date, end: dt.date, practices: list[str],
                         data_until: dt.date | None = None) -> dict[str, dict]:
    """Each practice's hospital episodes, as `episodes` gives them for that practice without p values."""
    data_until = data_until or latest_data_until()
    each = _each_practice(start, end, data_until) if data_until else defaultdict(list)
    return {code: _episodes_result(start, end, data_until, each[code], p_values=False) for code in practices}


def _each_practice(start: dt.date, end: dt.date, data_until: dt.date | None) -> dict[str, list[dict]]:
    each = defaultdict(list)
    for group in hospital_groups(cohort(start, end, per_practice=True), data_until, by_practice=True):
        each[group["ods_code"]].append(group)
    return each


def _episodes_result(start: dt.date, end: dt.date, data_until: dt.date | None, groups: list[dict], *,
                     p_values: bool) -> dict:
    columns, subgroups = _followed_columns(groups, p_values), {}
    for subgroup in SUBGROUPS:
        mask = _subgroup_mask(columns, subgroup)
        subgroups[subgroup] = {"patients": int(columns["patients"][mask].sum()),
                               "measures": _measures(columns, mask, p_values)}
    return {"report": "episodes", "from": start.isoformat(), "to": end.isoformat(),
            "data_until": data_until.isoformat() if data_until else None, "subgroups": subgroups}


# 4. Costs and return on investment -------------------------------------------------------------------------


def programme_cost(start: dt.date, end: dt.date) -> Decimal:
    """Programme-cost entries dated within the period plus spot purchases approved within it."""
    costs = ProgrammeCost.objects.filter(date__range=(start, end)).aggregate(total=Sum("amount"))["total"]
    spots = SpotPurchase.objects.filter(status=SpotPurchaseStatus.APPROVED, decided_date__range=(start, end)) \
        .aggregate(total=Sum("cost"))["total"]
    return (costs or Decimal(0)) + (spots or Decimal(0))


def savings_over(first_year: float, years: int, persistence: float, discount_rate: float) -> float:
    """sum for k = 1..N of s1 * p(k) / (1 + r) ** (k - 1), with p(1) = 1 and p(k) = persistence after."""
    return sum(first_year * (1 if k == 1 else persistence) / (1 + discount_rate) ** (k - 1)
               for k in range(1, years + 1))


def roi(*, start: dt.date, end: dt.date, practice: str | None = None, data_until: dt.date | None = None,
        programme_cost_override: float | None = None, persistence: float = 0.5, discount_rate: float = 0.035,
        unit_costs: dict[str, float] | None = None) -> dict:
    options = roi_options(start, end, programme_cost_override, persistence, discount_rate, unit_costs)
    data_until = data_until or latest_data_until()
    groups = hospital_groups(cohort(start, end, practice), data_until)  # no p values: roi shows none
    hospital = _episodes_result(start, end, data_until, groups, p_values=False)
    return _roi_result(start, end, sum(group["patients"] for group in groups), hospital, **options)


def roi_by_practice(*, start: dt.date, end: dt.date, practices: list[str], data_until: dt.date | None = None,
                    programme_cost_override: float | None = None, persistence: float = 0.5,
                    discount_rate: float = 0.035, unit_costs: dict[str, float] | None = None) -> dict[str, dict]:
    """Each practice's costs and return, as `roi` gives them for that practice (the programme's whole cost over
    the practice's engaged people), without p values as `episodes_by_practice`."""
    options = roi_options(start, end, programme_cost_override, persistence, discount_rate, unit_costs)
    data_until = data_until or latest_data_until()
    each = _each_practice(start, end, data_until)
    return {code: _roi_result(start, end, sum(group["patients"] for group in each[code]),
                              _episodes_result(start, end, data_until, each[code], p_values=False), **options)
            for code in practices}


def roi_options(start: dt.date, end: dt.date, programme_cost_override: float | None, persistence: float,
                 discount_rate: float, unit_costs: dict[str, float] | None) -> dict:
    costs = {k: float(v) for k, v in unit_costs_for(financial_year_of(end)).items()}
    costs.update(unit_costs or {})
    spent = float(programme_cost(start, end)) if programme_cost_override is None else programme_cost_override
    return {"spent": spent, "costs": costs, "persistence": persistence, "discount_rate": discount_rate}


def _roi_result(start: dt.date, end: dt.date, engaged_patients: int, hospital: dict, *, spent: float,
                costs: dict[str, float], persistence: float, discount_rate: float) -> dict:
    per_patient = spent / engaged_patients if engaged_patients else None
    subgroups = {}
    for name, figures in hospital["subgroups"].items():
        patients = figures["patients"]
        year1 = None if not patients else sum(
            (m["before"] - m["after"]) * costs[measure] for measure, m in figures["measures"].items()) / patients
        savings = {str(n): None if year1 is None else savings_over(year1, n, persistence, discount_rate)
                   for n in YEARS}
        subgroups[name] = {"patients": patients, "saving_year1": year1, "savings": savings,
                           "roi": {n: None if s is None or not per_patient else s / per_patient
                                   for n, s in savings.items()}}
    return {"report": "roi", "from": start.isoformat(), "to": end.isoformat(), "programme_cost": spent,
            "engaged_patients": engaged_patients, "cost_per_patient": per_patient, "unit_costs": costs,
            "persistence": persistence, "discount_rate": discount_rate, "subgroups": subgroups}
