"""Reading an import file: UTF-8 CSV (a byte-order mark accepted), one header row, streamed row by row."""

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO


class FileError(Exception):
    """The whole file is refused (wrong encoding, bad header, empty, ...): nothing is written."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def read_rows(stream: BinaryIO, *, columns: dict[str, bool], kind: str, other_kinds: dict[str, dict[str, bool]],
              on_progress: Callable[[int], None] | None = None) -> Iterator[Row]:
    """Yield the rows of `stream` as {column: stripped value}, after checking the header against `columns`
    ({name: required}). Memory does not grow with the file."""
    text = _decoded_lines(stream, on_progress)
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("The file is empty: it has no header row.") from None
    header = [name.strip() for name in header]
    if not any(header):
        raise FileError("The file is empty: it has no header row.")
    _check_header(header, columns, kind, other_kinds)
    width = len(header)
    for values in reader:
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) > width:
            raise FileError(f"line {line}: {len(values)} fields, but the header has {width}.")
        values = values + [""] * (width - len(values))
        yield Row(line, {name: value.strip() for name, value in zip(header, values, strict=True)})


def _decoded_lines(stream: BinaryIO, on_progress: Callable[[int], None] | None) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 0
    pending = ""
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        if on_progress:
            on_progress(len(chunk))
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            bad_line = line + (pending + chunk.decode("utf-8", errors="replace")).count("\n")
            raise FileError(f"The file is not UTF-8 text (a bad byte on or after line {bad_line + 1}). "
                            "Save it as CSV UTF-8 and try again.") from None
        pending += text
        *complete, pending = pending.split("\n")
        for piece in complete:
            line += 1
            yield piece + "\n"
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileError(f"The file is not UTF-8 text (it ends part way through a character, line {line + 1}).") \
            from None
    if pending:
        yield pending


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
