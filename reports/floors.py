"""The floors of `manage.py bench_evaluation`: for each report, the fastest SQL written by hand that gives the same
figures, for PostgreSQL, so that the benchmark can say how far each report is from what the database can do
(issue 13). Each floor returns the figures it shares with its report in the report's own shape, and
`casework/tests/test_generate_scale_data.py` checks they agree on generated data, so a fast floor cannot be a wrong
one.

What a floor leaves out: the Wilcoxon p values (computed in Python from the same per-patient differences, which the
episodes floor does fetch), and the formatting. The ROI floor is the episodes floor without the differences (the
ROI shows no p values), which counts every engaged patient as it goes. The episodes floor reads each referral's
hospital use as the import keeps it (HospitalUse), and takes every referral's kept counts to be current, as they are
after generate_scale_data or an import; the report also counts live those that are not."""

import datetime as dt
from collections import Counter

from django.db import connections

from outcomes.star import AREA_KEYS

COHORT = """
    SELECT DISTINCT ON (patient_id) id, patient_id, practice_id, referral_date
    FROM referrals_referral
    WHERE referral_date BETWEEN %(start)s AND %(end)s AND status NOT IN ('withdrawn', 'declined')
    ORDER BY patient_id, referral_date, created_at, id"""

ENGAGED = """
    EXISTS (SELECT 1 FROM outcomes_starreading s WHERE s.referral_id = c.id AND s.kind = 'baseline')
    AND EXISTS (SELECT 1 FROM providers_onwardreferral o WHERE o.referral_id = c.id
                AND o.status IN ('started', 'completed') AND o.kind <> 'signpost')"""

PROCESS_REFERRALS = """
    SELECT p.ods_code, date_trunc('month', r.referral_date)::date, count(*),
           count(*) FILTER (WHERE date_part('year', age(r.referral_date, pa.date_of_birth)) >= 80),
           count(*) FILTER (WHERE date_part('year', age(r.referral_date, pa.date_of_birth)) < 60),
           count(*) FILTER (WHERE pa.ethnicity NOT IN ('Z', '')),
           count(*) FILTER (WHERE pa.ethnicity NOT IN ('Z', '', 'A', 'B', 'C'))
    FROM referrals_referral r JOIN referrals_patient pa ON pa.id = r.patient_id
         JOIN sps_practice p ON p.id = r.practice_id
    WHERE r.referral_date BETWEEN %(start)s AND %(end)s AND r.status <> 'withdrawn'
    GROUP BY 1, 2"""

PROCESS_ONWARD = """
    SELECT o.kind, coalesce(s.category, 'other'), count(*)
    FROM providers_onwardreferral o LEFT JOIN providers_service s ON s.id = o.service_id
    WHERE o.made_date BETWEEN %(start)s AND %(end)s
    GROUP BY 1, 2"""

WELLBEING = """
    WITH c AS ({cohort}),
    b AS (SELECT DISTINCT ON (s.referral_id) s.*
          FROM outcomes_starreading s JOIN c ON c.id = s.referral_id WHERE s.kind = 'baseline'
          ORDER BY s.referral_id, s.reading_date, s.id),
    f AS (SELECT DISTINCT ON (s.referral_id) s.*
          FROM outcomes_starreading s JOIN b ON b.referral_id = s.referral_id AND s.reading_date > b.reading_date
          WHERE s.kind IN ('review', 'discharge')
          ORDER BY s.referral_id, s.reading_date DESC, s.kind = 'discharge' DESC, s.id DESC)
    SELECT count(*), {per_area} FROM b JOIN f ON f.referral_id = b.referral_id"""

EPISODE_TYPES = ("nel_admission", "nel_fce", "ae_attendance", "outpatient")
MEASURES = (*EPISODE_TYPES, "bed_days")

EPISODES = """
    WITH c AS ({cohort}),
    e AS (SELECT c.id, c.patient_id, c.referral_date, c.referral_date <= %(last_index)s AS followed,
                 date_part('year', age(c.referral_date, pa.date_of_birth)) >= 80 AS over_80,
                 EXISTS (SELECT 1 FROM providers_onwardreferral o WHERE o.referral_id = c.id AND o.continued_after_end)
                     AS continuing
          FROM c JOIN referrals_patient pa ON pa.id = c.patient_id
          WHERE {engaged}),
    x AS (SELECT e.id, e.followed, e.over_80, e.continuing, {counted}
          FROM e LEFT JOIN reports_hospitaluse h ON h.referral_id = e.id AND e.followed
               AND h.patient_id = e.patient_id AND h.referral_date = e.referral_date)
    SELECT followed, over_80, continuing{differences}, count(*), {sums}
    FROM x
    GROUP BY 1, 2, 3{difference_columns}"""


def process(cursor, start: dt.date, end: dt.date) -> dict:
    cursor.execute(PROCESS_REFERRALS, {"start": start, "end": end})
    per_practice, monthly = Counter(), Counter()
    for code, month, n, *_ in cursor.fetchall():
        per_practice[code] += n
        monthly[f"{month:%Y-%m}"] += n
    cursor.execute(PROCESS_ONWARD, {"start": start, "end": end})
    by_category = Counter()
    for _, category, n in cursor.fetchall():
        by_category[category] += n
    top = min(per_practice, key=lambda code: (-per_practice[code], code), default=None)
    return {"referrals_in": sum(per_practice.values()), "practices": len(per_practice),
            "top_practice": top and {"ods_code": top, "referrals": per_practice[top]},
            "by_category": dict(by_category), "monthly": dict(monthly)}


def wellbeing(cursor, start: dt.date, end: dt.date) -> dict:
    per_area = ", ".join(f"count(*) FILTER (WHERE f.{a} > b.{a}), sum(f.{a} - b.{a})" for a in AREA_KEYS)
    cursor.execute(WELLBEING.format(cohort=COHORT, per_area=per_area), {"start": start, "end": end})
    patients, *sums = cursor.fetchone()
    return {"patients": patients,
            "areas": {a: {"improved": sums[2 * i] or 0, "change": int(sums[2 * i + 1] or 0)}
                      for i, a in enumerate(AREA_KEYS)}}


def episodes(cursor, start: dt.date, end: dt.date, data_until: dt.date, differences: bool = True) -> dict:
    """Grouped by each patient's differences as the report is for its p values; the ROI, which has none, is not."""
    counted = [f"coalesce(h.{m}_{when}, 0) AS {m}_{when}" for m in MEASURES for when in ("before", "after")]
    chosen = MEASURES if differences else ()
    sql = EPISODES.format(
        cohort=COHORT, engaged=ENGAGED, counted=", ".join(counted),
        differences="".join(f", {m}_before - {m}_after" for m in chosen),
        sums=", ".join(f"sum({m}_{when})" for m in MEASURES for when in ("before", "after")),
        difference_columns="".join(f", {4 + i}" for i in range(len(chosen))))
    cursor.execute(sql, {"start": start, "end": end, "last_index": data_until - dt.timedelta(days=364)})
    subgroups = {name: Counter() for name in ("all", "under_80", "80_plus", "continuing")}
    engaged = 0
    for followed, over_80, continuing, *rest in cursor.fetchall():
        patients, sums = rest[len(chosen)], rest[len(chosen) + 1:]
        engaged += patients
        if not followed:
            continue
        for name in ["all", "80_plus" if over_80 else "under_80"] + (["continuing"] if continuing else []):
            subgroups[name]["patients"] += patients
            for i, measure in enumerate(MEASURES):
                subgroups[name][f"{measure}_before"] += int(sums[2 * i])
                subgroups[name][f"{measure}_after"] += int(sums[2 * i + 1])
    return {"engaged_patients": engaged, **{name: dict(figures) for name, figures in subgroups.items()}}


def roi(cursor, start: dt.date, end: dt.date, data_until: dt.date) -> dict:
    return episodes(cursor, start, end, data_until, differences=False)


FLOORS = {"process": process, "wellbeing": wellbeing, "episodes": episodes, "roi": roi}


def floor(name: str, start: dt.date, end: dt.date, data_until: dt.date, using: str = "default") -> dict:
    with connections[using].cursor() as cursor:
        if name in ("episodes", "roi"):
            return FLOORS[name](cursor, start, end, data_until)
        return FLOORS[name](cursor, start, end)


def shared_figures(name: str, result: dict) -> dict:
    """The figures of a report's result that its floor gives too, in the floor's shape."""
    if name == "process":
        top = result["top_practice"]
        return {"referrals_in": result["referrals_in"], "practices": result["practices"],
                "top_practice": top and {"ods_code": top["ods_code"], "referrals": top["referrals"]},
                "by_category": {k: v for k, v in result["by_category"].items() if v},
                "monthly": {row["month"]: row["referrals"] for row in result["monthly"] if row["referrals"]}}
    if name == "wellbeing":
        patients = result["patients"]
        return {"patients": patients, "areas": {
            a: {"improved": round((area["progress_pct"] or 0) * patients / 100),
                "change": round((area["mean_change"] or 0) * patients)} for a, area in result["areas"].items()}}
    if name == "episodes":
        return {name: {"patients": figures["patients"], **{
            f"{measure}_{when}": m[when] for measure, m in figures["measures"].items() for when in ("before", "after")}}
            for name, figures in result["subgroups"].items()}
    return {"engaged_patients": result["engaged_patients"]}
