"""Postcode centroids: the ONS Postcode Directory (ONSPD, open data), as the ONS publishes it or cut down to the
three columns used: pcds (the postcode as written, "S66 8AB"), lat and long. They place each person and each
service, so that the directory lists the nearest services first.

The ONS file has some fifty other columns, which change from one edition to the next: they are ignored rather
than refused, so that the file can be imported as downloaded. A postcode the ONS cannot place (it gives latitude
99.999999, longitude 0) is counted as ignored. Terminated postcodes are kept: people still give them."""

from providers.models import UK_LATITUDES, UK_LONGITUDES, Postcode
from reports.imports import fields as f
from reports.imports.base import Cells, Counts, Handler, RowError, field_changes, tally, upsert
from reports.imports.kinds import Item
from reports.imports.reader import Row

# The ONS's latitude for a postcode it has no grid reference for.
NO_LOCATION = 99.999999


class AnyOtherColumns(dict):
    """The columns this kind reads, saying yes to any other name when the reader asks whether it knows a column,
    so that the ONS file's other columns are ignored. Iterating it gives only the columns read."""

    def __contains__(self, name: object) -> bool:
        return True


def _no_location(latitude: str) -> bool:
    try:
        return float(latitude) == NO_LOCATION
    except ValueError:
        return False


def _degrees(column: str, value: str, limits: tuple[float, float]) -> float:
    if not value:
        raise f.CellError(column, "is required")
    try:
        number = float(value)
    except ValueError:
        raise f.CellError(column, f"{f.shown(value)} is not a number of degrees") from None
    if not limits[0] <= number <= limits[1]:  # NaN fails this too
        raise f.CellError(column, f"{f.shown(value)} is not in the United Kingdom (between {limits[0]:g} and "
                                  f"{limits[1]:g})")
    return number


class PostcodesHandler(Handler):
    kind = "postcodes"
    columns = AnyOtherColumns({"pcds": True, "lat": True, "long": True})
    about = ("One row per postcode, with its centroid: the ONS Postcode Directory (ONSPD) as the ONS publishes it. "
             "Its other columns are ignored, and postcodes it cannot place (latitude 99.999999) are counted as "
             "ignored.")
    key = ("pcds",)
    notes = {"pcds": "The postcode, written with its space (S66 8AB).",
             "lat": "The centroid's latitude in degrees (WGS84), for example 53.4232.",
             "long": "The centroid's longitude in degrees (WGS84), west negative, for example -1.2012."}
    example = [{"pcds": "S66 8AB", "lat": "53.4232", "long": "-1.2012"},
               {"pcds": "S60 2TH", "lat": "53.4305", "long": "-1.3569"}]
    chunk_size = 5000

    def clean(self, row: Row) -> Item | None:
        if _no_location(row.values.get("lat", "")):
            return None  # the ONS has no location for it: ignored
        c = Cells(row)
        postcode = c(f.postcode, "pcds", required=True)
        location = {"latitude": c(_degrees, "lat", UK_LATITUDES), "longitude": c(_degrees, "long", UK_LONGITUDES)}
        c.done()
        return Item(row.line, (postcode,), location, {})

    def write(self, items: list[Item | None]) -> tuple[Counts, list[RowError]]:
        rows = [item for item in items if item is not None]
        diff: dict = {}
        _, _, outcome = upsert(Postcode, ((item.key, item.values) for item in rows), key_fields=("postcode",),
                               user=self.user, history=False, diff=diff)
        self.record_changes(rows, outcome, field_changes(Postcode, diff, {"latitude": "lat", "longitude": "long"}))
        counts = tally(outcome.values())
        counts.ignored = len(items) - len(rows)
        return counts, []
