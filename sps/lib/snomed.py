"""SNOMED CT identifiers (SCTIDs): the check every concept id passes before we record it.

An SCTID is 6 to 18 digits with no leading zero; the last digit is a Verhoeff check digit over the others, and the
two before it are the partition identifier, which says what the id identifies: a concept is 00 (short format) or 10
(long format, an extension's namespace, as the UK's codes are). SNOMED CT Technical Implementation Guide, section
6 ("SNOMED CT identifiers")."""

import re

_DIGITS = re.compile(r"^[1-9][0-9]{5,17}$")
CONCEPT_PARTITIONS = ("00", "10")

# Verhoeff's dihedral group D5: multiplication, permutation and inverse tables.
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Verhoeff check digit of the others."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def concept_id_error(value: str) -> str | None:
    """Why `value` is not a SNOMED CT concept id, or None when it is one."""
    if not _DIGITS.match(value or ""):
        return f"{value or 'This'} is not a SNOMED CT concept id: 6 to 18 digits, not starting with 0."
    if not verhoeff_valid(value):
        return f"{value} is not a SNOMED CT concept id: its last digit is not the check digit of the others."
    if value[-3:-1] not in CONCEPT_PARTITIONS:
        return f"{value} is a SNOMED CT id, but not of a concept (its partition is {value[-3:-1]}, not 00 or 10)."
    return None
