import pytest

from sps.lib.postcode import normalise_postcode, postcode_error


@pytest.mark.parametrize(("value", "stored"), [
    ("S60 2HX", "S60 2HX"), ("s602hx", "S60 2HX"), ("  s60   2hx ", "S60 2HX"), ("SW1A 1AA", "SW1A 1AA"),
    ("EC1A1BB", "EC1A 1BB"), ("W1A 0AX", "W1A 0AX"), ("M1 1AE", "M1 1AE"), ("B33 8TH", "B33 8TH"),
    ("CR2 6XH", "CR2 6XH"), ("DN55 1PT", "DN55 1PT"), ("GIR 0AA", "GIR 0AA"),
    ("ZZ99 3VZ", "ZZ99 3VZ"), ("zz993wz", "ZZ99 3WZ"),
])
def test_valid_postcodes_are_stored_normalised(value, stored):
    assert normalise_postcode(value) == stored


@pytest.mark.parametrize("value", [
    "", "S60", "S60 2H", "Q60 2HX",  # Q never starts a postcode
    "S60 2CX",  # C never in the inward letters
    "60 2HX", "S60 22X", "ZZ99 3XZ", "SW1A 1AAA", "S6O 2HX",
])
def test_invalid_postcodes_are_refused_with_the_value(value):
    assert normalise_postcode(value) is None
    assert postcode_error(value) == f"{value} is not a UK postcode"
