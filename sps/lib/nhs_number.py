"""NHS number: 10 digits with a Modulus 11 check digit (NHS Data Dictionary)."""

import re
from operator import mul

_SEPARATORS = re.compile(r"[\s-]")


def normalise_nhs_number(value: str) -> str:
    """Strip spaces and hyphens: '943 476 5919' -> '9434765919'."""
    return _SEPARATORS.sub("", value or "")


def nhs_number_error(value: str) -> str | None:
    """Why `value` is not a valid NHS number, or None when it is.

    Rule (domain.md): exactly 10 digits; multiply digits 1-9 by 10, 9, ..., 2 and sum;
    check = 11 - (sum mod 11); 11 becomes 0; 10 is invalid; valid when check equals digit 10.
    Ten identical digits are rejected although 0000000000 passes the checksum.
    """
    # Most arrive as ten digits already (a hospital extract checks millions): no separators to take out.
    digits = value if value and len(value) == 10 and value.isdigit() else normalise_nhs_number(value)
    if not digits.isascii() or not digits.isdigit() or len(digits) != 10:
        return f"{value} is not 10 digits"
    if len(set(digits)) == 1:
        return f"{digits} is not a real NHS number (all digits the same)"
    if _check_digit(digits[:9]) != int(digits[9]):
        return f"{digits} fails the NHS number check"
    return None


_WEIGHTS = range(10, 1, -1)
_ZERO = ord("0") * sum(_WEIGHTS)


def _check_digit(first_nine: str) -> int | None:
    """Modulus 11 over nine ASCII digits (as bytes, in C: a hospital extract checks millions); None for 10."""
    check = 11 - (sum(map(mul, first_nine.encode(), _WEIGHTS)) - _ZERO) % 11
    return None if check == 10 else check % 11


def is_valid_nhs_number(value: str) -> bool:
    return nhs_number_error(value) is None


def format_nhs_number(value: str) -> str:
    """Display form, 3-3-4: '943 476 5919'."""
    digits = normalise_nhs_number(value)
    if len(digits) != 10:
        return value
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def with_check_digit(first_nine: str) -> str | None:
    """The NHS number that starts with these nine digits, or None when no check digit works (it would be 10).
    For making test and demo data (use the 9xx range, which the NHS keeps for test data)."""
    check = _check_digit(first_nine)
    return None if check is None else f"{first_nine}{check}"
