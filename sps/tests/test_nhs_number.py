import pytest

from sps.lib.nhs_number import format_nhs_number, is_valid_nhs_number, nhs_number_error, normalise_nhs_number


@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919", " 9434765919 "])
def test_known_valid_number_in_every_written_form(value):
    assert is_valid_nhs_number(value)


def test_bad_checksum_is_named():
    assert nhs_number_error("9434765918") == "9434765918 fails the NHS number check"


def test_check_digit_of_ten_is_invalid():
    # 1000000010: 1*10 + 1*2 = 12; 12 mod 11 = 1; check = 10, which no NHS number may have.
    assert nhs_number_error("1000000010") == "1000000010 fails the NHS number check"


@pytest.mark.parametrize("digit", "0123456789")
def test_ten_identical_digits_are_rejected(digit):
    assert not is_valid_nhs_number(digit * 10)


def test_check_digit_eleven_becomes_zero():
    # 1000000060: 1*10 + 6*2 = 22; 22 mod 11 = 0; check = 11, which becomes 0.
    assert is_valid_nhs_number("1000000060")


FULLWIDTH = "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19"  # looks like 9434765919


@pytest.mark.parametrize("value", ["943476591", "94347659190", "94347659a9", "", FULLWIDTH])
def test_wrong_length_or_not_digits(value):
    assert nhs_number_error(value).endswith("is not 10 digits")


def test_normalise_and_format():
    assert normalise_nhs_number("943 476-5919") == "9434765919"
    assert format_nhs_number("9434765919") == "943 476 5919"
