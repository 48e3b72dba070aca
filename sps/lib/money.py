"""Money as the house shows it: £1,171 (whole pounds) or £1,171.50."""

from decimal import ROUND_HALF_UP, Decimal


def format_pounds(amount: Decimal | int | float | None, *, pence: bool = False) -> str:
    if amount is None:
        return ""
    value = Decimal(str(amount))
    sign = "-" if value < 0 else ""
    if pence:
        return f"{sign}£{abs(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    return f"{sign}£{abs(value).quantize(Decimal('1'), ROUND_HALF_UP):,}"
