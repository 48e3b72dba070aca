"""Percentages: computed one way everywhere, and shown one way."""


def percentage(numerator: float | None, denominator: float | None) -> float | None:
    """`numerator` as a percentage of `denominator`; none when the denominator is 0 or missing
    (evaluation.md: a percentage whose denominator is 0 is null)."""
    return None if not denominator else 100.0 * float(numerator or 0) / float(denominator)


def format_percentage(value: float | None, *, places: int = 0) -> str:
    """72.5 -> "73%" (or "72.5%" with places=1); nothing for a missing value."""
    return "" if value is None else f"{value:.{places}f}%"
