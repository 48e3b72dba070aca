"""Reading an import file: UTF-8 CSV (a byte-order mark accepted), one header row, streamed row by row."""

import csv
import io
from collections.abc import Callable, Iterator
from typing import BinaryIO, NamedTuple


class FileError(Exception):
    """The whole file is refused (wrong encoding, bad header, empty, ...): nothing is written."""


class Row(NamedTuple):
    line: int
    values: dict[str, str]
    # Columns whose cell holds a NUL character: PostgreSQL cannot store one in text (psycopg2 refuses the query,
    # COPY the row), so such a row is rejected, naming them, before any handler sees it.
    nul_columns: tuple[str, ...] = ()


NUL_MESSAGE = "contains a NUL character, which cannot be stored (save the file again as CSV UTF-8)"


def read_cells(stream: BinaryIO, *, columns: dict[str, bool], kind: str,
               other_kinds: dict[str, dict[str, bool]],
               on_progress: Callable[[int], None] | None = None) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header of `stream`, checked against `columns` ({name: required}), and its rows as (line, stripped
    cells, as many as the header), blank rows skipped. Memory does not grow with the file. `on_progress` hears how
    far into the file (bytes) the reading has got, now and then."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("The file is empty: it has no header row.") from None
    except UnicodeDecodeError:
        raise FileError(NOT_UTF8.format(line=1)) from None
    except csv.Error as error:
        raise FileError(f"line 1: {error}") from None
    header = [name.strip() for name in header]
    if not any(header):
        raise FileError("The file is empty: it has no header row.")
    _check_header(header, columns, kind, other_kinds)
    return header, _cells(stream, text, reader, len(header), on_progress)


def _cells(stream, text, reader, width: int, on_progress) -> Iterator[tuple[int, list[str]]]:
    strip = str.strip
    try:
        for values in reader:
            if len(values) != width:
                if len(values) > width:
                    raise FileError(f"line {reader.line_num}: {len(values)} fields, but the header has {width}.")
                values += [""] * (width - len(values))
            stripped = list(map(strip, values))
            if not any(stripped):
                continue
            line = reader.line_num
            if on_progress and not line % 10000:
                on_progress(stream.tell())
            yield line, stripped
    except UnicodeDecodeError:
        raise FileError(NOT_UTF8.format(line=reader.line_num + 1)) from None
    except csv.Error as error:
        raise FileError(f"line {reader.line_num}: {error}") from None
    if on_progress:
        on_progress(stream.tell())
    text.detach()


def as_row(header: list[str], line: int, cells: list[str]) -> Row:
    """A row of cells as {column: value}, with the columns whose cell holds a NUL character."""
    values = dict(zip(header, cells, strict=True))  # as long as each other (read_cells)
    if "\x00" in "".join(cells):  # cheap enough for every row of a million-row extract
        return Row(line, values, tuple(name for name, value in values.items() if "\x00" in value))
    return Row(line, values)


NOT_UTF8 = ("The file is not UTF-8 text (a character that is not, around line {line}). "
            "Save it as \"CSV UTF-8\" and try again.")


def _check_header(header: list[str], columns: dict[str, bool], kind: str,
                  other_kinds: dict[str, dict[str, bool]]) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileError(f"Column {duplicates[0]} appears more than once in the header.")
    required = [name for name, needed in columns.items() if needed]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in columns]
    if missing or unknown:
        for other, other_columns in other_kinds.items():
            if other != kind and set(header) <= set(other_columns) and all(
                    name in header for name, needed in other_columns.items() if needed):
                raise FileError(f"This looks like a {other} file, not {kind}: its columns are those of {other}.")
    if missing:
        raise FileError(f"Required column missing: {', '.join(missing)}.")
    if unknown:
        raise FileError(f"Unknown column: {', '.join(unknown)} (the {kind} columns are: {', '.join(columns)}).")
