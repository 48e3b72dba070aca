"""Parsing one value of an import row. Each raises CellError with the message the row's error shows; the rules
themselves (NHS number, postcode, ...) are the validators the forms use."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from sps.lib.nhs_number import normalise_nhs_number
from sps.lib.postcode import normalise_postcode
from sps.validators import validate_nhs_number


class CellError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


# An optional column's blank cell (or a column left out) leaves what is stored alone: a file exported without some
# column must never wipe it. To empty a value on purpose the cell says CLEAR_WORD, which no real value can be (no
# code, date, number or postcode has square brackets, and no name or address is only that word in them).
CLEAR_WORD = "[clear]"


def is_clear(value: str) -> bool:
    return value.lower() == CLEAR_WORD


class Keep:
    """A blank optional cell: the stored value stays as it is; a new row gets `default`. False, like a blank."""

    __slots__ = ("default",)

    def __init__(self, default=None):
        self.default = default

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Keep({self.default!r})"


NOT_CLEARABLE = object()  # the `cleared` value of an optional column that always holds a value (yes/no, ...)
AS_CLEARED = object()  # the default `default`: a new row without the value gets what clearing it gives


def optional(parse, column: str, value: str, *args, default=AS_CLEARED, cleared=None, **kwargs):
    """An optional column: blank keeps the stored value (a new row gets `default`, by default what clearing
    gives); CLEAR_WORD empties it, to `cleared`; anything else is parsed by `parse`."""
    if not value:
        return Keep(cleared if default is AS_CLEARED else default)
    if is_clear(value):
        if cleared is NOT_CLEARABLE:
            raise CellError(column, f"cannot be cleared ({CLEAR_WORD}): it always has a value; leave the cell blank "
                                    "to keep the one stored")
        return cleared
    return parse(column, value, *args, **kwargs)


def not_clear(column: str, value: str) -> None:
    """CLEAR_WORD in a column that must hold a value (required, or part of what identifies the row)."""
    if is_clear(value):
        raise CellError(column, f"cannot be cleared ({CLEAR_WORD}): this column must have a value, or identifies "
                                "the row")


def shown(value: str, *, limit: int = 40) -> str:
    """A cell as an error message quotes it: a long one shortened, so that a thousand errors stay readable."""
    return value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}


def date(column: str, value: str, *, required: bool = False) -> dt.date | None:
    """YYYY-MM-DD or DD/MM/YYYY (formats.md)."""
    if not value:
        if required:
            raise CellError(column, "is required")
        return None
    if match := _ISO.match(value):
        year, month, day = map(int, match.groups())
    elif match := _UK.match(value):
        day, month, year = map(int, match.groups())
    else:
        raise CellError(column, f"{shown(value)} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(column, f"{shown(value)} is not a real date") from None


def boolean(column: str, value: str, *, default: bool | None = None) -> bool | None:
    if not value:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(column, f"{shown(value)} is not yes or no")


def money(column: str, value: str, *, max_digits: int, required: bool = False) -> Decimal | None:
    """A number of pounds, optionally with £ and thousands commas; never negative; pounds and pence that fit a
    column of `max_digits` digits (the database refuses a larger one, and would round a fraction of a penny)."""
    if not value:
        if required:
            raise CellError(column, "is required")
        return None
    try:
        amount = Decimal(value.replace("£", "").replace(",", "").strip())
    except InvalidOperation:
        raise CellError(column, f"{shown(value)} is not an amount of money") from None
    if not amount.is_finite():
        raise CellError(column, f"{shown(value)} is not an amount of money")
    if amount < 0:
        raise CellError(column, f"{shown(value)} is negative")
    if amount >= Decimal(10) ** (max_digits - 2):
        raise CellError(column, f"{shown(value)} is too large: at most £{Decimal(10) ** (max_digits - 2) - 1:,}.99")
    if amount != amount.quantize(PENNY):
        raise CellError(column, f"{shown(value)} is not in pounds and pence (at most 2 decimal places)")
    return amount.quantize(PENNY)


PENNY = Decimal("0.01")


def integer(column: str, value: str, *, low: int | None = None, high: int | None = None,
            required: bool = False) -> int | None:
    if not value:
        if required:
            raise CellError(column, "is required")
        return None
    try:
        number = int(value)
    except ValueError:
        raise CellError(column, f"{shown(value)} is not a whole number") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise CellError(column, f"{shown(value)} is not between {low} and {high}")
    return number


def choice(column: str, value: str, choices, *, required: bool = True) -> str:
    if not value:
        if required:
            raise CellError(column, "is required")
        return ""
    if value not in choices:
        raise CellError(column, f"{shown(value)} is not one of {', '.join(choices)}")
    return value


def required(column: str, value: str) -> str:
    if not value:
        raise CellError(column, "is required")
    return value


def text(column: str, value: str, *, max_length: int | None, required: bool = True) -> str:
    """Free text for a column of `max_length` characters (None: no limit), as the form's field would take it."""
    if not value:
        if required:
            raise CellError(column, "is required")
        return ""
    if max_length is not None and len(value) > max_length:
        raise CellError(column, f"{shown(value)} is too long: at most {max_length} characters")
    return value


def nhs_number(column: str, value: str) -> str:
    try:
        validate_nhs_number(value)
    except ValidationError as error:
        raise CellError(column, error.messages[0].replace(value, shown(value))) from None
    return normalise_nhs_number(value)


PSEUDO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def pseudo_id(column: str, value: str) -> str:
    """A comparison person's pseudo id (formats.md): 1-64 letters, digits, - and _. The message does not repeat
    the cell: nobody sees a comparison person individually, not even in an import's errors."""
    if not PSEUDO_ID.fullmatch(value):
        raise CellError(column, "is not a pseudo id (1 to 64 letters, digits, - or _)")
    return value


def postcode(column: str, value: str, *, required: bool = False) -> str:
    if not value:
        if required:
            raise CellError(column, "is required")
        return ""
    if (normalised := normalise_postcode(value)) is None:
        raise CellError(column, f"{shown(value)} is not a UK postcode")
    return normalised


def lookup(column: str, value: str, table: dict, what: str, *, required: bool = True):
    """The object a code names, from a table loaded once for the whole import."""
    if not value:
        if required:
            raise CellError(column, "is required")
        return None
    try:
        return table[value]
    except KeyError:
        raise CellError(column, f"unknown {what} {shown(value)}") from None
