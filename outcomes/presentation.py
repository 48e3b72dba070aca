"""Shaping star readings for the page: the chart and its table."""

from outcomes.models import StarReading
from outcomes.progress import baseline_of, progress_of
from outcomes.star import AREAS


def star_context(readings: list[StarReading]) -> dict:
    """Baseline against the latest reading, per area, for the chart and its table."""
    baseline = baseline_of(readings)
    newest = max(readings, key=lambda r: (r.reading_date, r.pk)) if readings else None
    latest = newest if newest != baseline else None  # the reading compared with the baseline
    progress = progress_of(readings)
    rows = [{
        "area": area, "baseline": getattr(baseline, area.key) if baseline else None,
        "latest": getattr(latest, area.key) if latest else None,
        "change": progress.change[area.key] if progress else None,
        "notes": _area_notes(area.key, baseline, latest),
    } for area in AREAS]
    return {"baseline": baseline, "latest": latest, "progress": progress, "rows": rows, "readings": readings,
            "chart": {"labels": [a.label for a in AREAS],
                      "baseline": [r["baseline"] for r in rows],
                      "latest": [r["latest"] for r in rows],
                      "latest_label": f"{latest.get_kind_display()} {latest.reading_date:%d/%m/%Y}" if latest else "",
                      "baseline_label": f"Baseline {baseline.reading_date:%d/%m/%Y}" if baseline else ""}}


def _area_notes(key: str, *readings: StarReading | None) -> list[tuple[str, str]]:
    """The adviser's note on one area in each of these readings that has one: (which reading, the note). For the
    adviser and the manager only: the pages that show GP staff the outcome never include the star."""
    return [(f"{reading.get_kind_display()} {reading.reading_date:%d/%m/%Y}", reading.notes[key])
            for reading in readings if reading and (reading.notes or {}).get(key)]
