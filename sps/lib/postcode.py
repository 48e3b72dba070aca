"""UK postcodes: the BS7666 pattern plus the NHS pseudo-postcodes."""

import re

_BS7666 = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9][0-9]?|[A-HK-Y][0-9][0-9]?|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
# No fixed abode, and not known: valid in NHS records although not in the Royal Mail's file.
NHS_PSEUDO_POSTCODES = frozenset({"ZZ99 3VZ", "ZZ99 3WZ"})


def normalise_postcode(value: str) -> str | None:
    """The stored form ('S60 2HX'), or None when `value` is not a UK postcode.

    Rule (domain.md): upper-case and collapse spaces, then match BS7666; accept ZZ99 3VZ and ZZ99 3WZ.
    """
    compact = re.sub(r"\s+", "", (value or "").upper())
    if len(compact) < 5:
        return None
    spaced = f"{compact[:-3]} {compact[-3:]}"
    if spaced in NHS_PSEUDO_POSTCODES or _BS7666.match(spaced):
        return spaced
    return None


def postcode_error(value: str) -> str | None:
    if normalise_postcode(value) is None:
        return f"{value} is not a UK postcode"
    return None
