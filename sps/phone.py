"""UK phone numbers, checked and written one way by `phonenumbers` (Google's libphonenumber): "call me maybe"
is not a phone number (issue 12), and '+44 (0)1709 123-456' is kept as '01709 123456', the way it is dialled
here and read aloud."""

import phonenumbers
from django.core.exceptions import ValidationError

UK_COUNTRY_CODE = 44
EXAMPLE = "01709 123456 or 07911 123456"


def normalise_uk_phone(value: str) -> str | None:
    """The number in the UK's national format ('01709 123456'), or None if `value` is not a real UK number
    (landline, mobile or non-geographic; Crown Dependencies included, as they share +44)."""
    try:
        number = phonenumbers.parse(value or "", "GB")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != UK_COUNTRY_CODE or not phonenumbers.is_valid_number(number) or number.extension:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def validate_uk_phone(value: str) -> None:
    if value and normalise_uk_phone(value) is None:
        raise ValidationError(f"Enter a UK phone number, like {EXAMPLE}.", code="phone")
