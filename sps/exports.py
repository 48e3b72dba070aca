import csv
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# A cell that starts with one of these is run as a formula by Excel and LibreOffice (CSV injection, OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Our own figures may start with a minus sign ("-£1,171", "-3.5%"); they are data, not formulas.
PLAIN_NUMBER = re.compile(r"-?£?[\d,]*\.?\d+%?")


def safe_cell(value):
    """The value as a spreadsheet will show it, never run it: text that would start a formula gets a leading
    apostrophe, which spreadsheets take as "this is text"."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download (UTF-8 with a byte-order mark, so that Excel reads £ and accents right), every cell safe
    to open in a spreadsheet."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return response
