"""Django validators wrapping sps.lib, shared by models, forms and (later) imports: one rule, one place."""

import re

from django.core.exceptions import ValidationError

from sps.lib.nhs_number import nhs_number_error
from sps.lib.postcode import postcode_error
from sps.lib.snomed import concept_id_error

_ODS_PRACTICE = re.compile(r"^[A-Z][0-9]{5}$")


def validate_nhs_number(value: str) -> None:
    if error := nhs_number_error(value):
        raise ValidationError(error, code="nhs_number")


def validate_postcode(value: str) -> None:
    if error := postcode_error(value):
        raise ValidationError(error, code="postcode")


def validate_ods_practice_code(value: str) -> None:
    if not _ODS_PRACTICE.match(value or ""):
        raise ValidationError(f"{value} is not a GP practice ODS code (a letter and 5 digits, e.g. C87001)",
                              code="ods_code")


def validate_concept_id(value: str) -> None:
    if error := concept_id_error(value):
        raise ValidationError(error, code="concept_id")
