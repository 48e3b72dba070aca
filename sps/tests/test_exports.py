"""CSV downloads are safe to open in a spreadsheet: nothing in a cell runs as a formula."""

import csv
import io

import pytest

from sps.exports import csv_response, safe_cell


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+cmd|' /C calc'!A0",
                                  "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"])
def test_formulas_are_made_text(cell):
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-£1,171", "-3.5%", "-12", "£1,171", "Broom Lane", "", 12, None, 3.5])
def test_figures_and_plain_text_are_left_alone(cell):
    assert safe_cell(cell) == cell


def test_the_download_holds_no_live_formula():
    response = csv_response("x.csv", ["=name"], [["=1+1", "-£5", "Edna"]])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["'=name"], ["'=1+1", "-£5", "Edna"]]
