"""Whole-file problems: a clear message and nothing written."""

import pytest

from reports.models import ImportBatch
from reports.tests.helpers import do_import
from sps.models import Practice

GOOD = "ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n"


@pytest.mark.parametrize(("data", "message"), [
    ("ods_code,name,postcode\nC88001,Caf\xe9,S60 1AA\n".encode("latin-1"), "The file is not UTF-8 text"),
    ("ods_code,name\nC88001,New Street\n", "Required column missing: postcode."),
    ("ods_code,name,postcode,colour\nC88001,New Street,S60 1AA,blue\n", "Unknown column: colour"),
    ("", "The file is empty"),
    ("\n\n", "The file is empty"),
    ("username,email,role\nann,ann@example.nhs.uk,adviser\n", "This looks like a users file, not practices"),
    ("ods_code,name,postcode\nC88001,New Street,S60 1AA,extra\n", "line 2: 4 fields, but the header has 3."),
    ("ods_code,name,postcode,name\nC88001,A,S60 1AA,B\n", "Column name appears more than once"),
])
def test_a_bad_file_is_refused_whole_with_a_clear_message(db, data, message):
    result = do_import("practices", data)
    assert message in result.file_error
    assert not result.ok
    assert not Practice.objects.exists() and not ImportBatch.objects.exists()


def test_a_byte_order_mark_and_column_order_are_accepted(db):
    result = do_import("practices", "\ufeffpostcode,name,ods_code\r\nS60 1AA,New Street,C88001\r\n")
    assert result.ok, result.file_error
    assert Practice.objects.get().postcode == "S60 1AA"


def test_episodes_need_the_covered_until_date(db):
    result = do_import("episodes", "nhs_number,episode_type,start_date\n")
    assert "covers until (--covered-until)" in result.file_error
    assert not ImportBatch.objects.exists()
