"""Any file of any KIND is refused cleanly, or imported with every bad row listed against its line and column:
never an exception (formats.md, 'Import'). Each file starts from rows that would import, with cells replaced by
anything at all: NUL characters, huge strings, bad dates and numbers; and is sometimes not UTF-8 at all."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from reports.imports.run import COVERED_KINDS, HANDLERS, ImportResult, run_import
from reports.models import ImportBatch
from reports.tests.conftest import KNOWN_BATCH
from sps.lib.dates import today
from sps.tests.fuzzing import FUZZ, hostile_text, iso_dates, long_strings, rolled_back

AREAS = ["lifestyle", "looking_after_yourself", "managing_symptoms", "work_volunteering", "money", "where_you_live",
         "family_friends", "feeling_positive"]
NHS = "9434765919"  # the patient of referral R1

# A row of each KIND that imports into the `known` data (conftest.py).
GOOD = {
    "practices": {"ods_code": "C88001", "name": "New Street Surgery", "postcode": "S60 1AA", "address": "1 New St",
                  "adviser_usernames": "adviser_a", "active": "yes"},
    "users": {"username": "ann", "email": "ann@example.nhs.uk", "role": "gp_staff", "given_name": "Ann",
              "family_name": "Smith", "practice_ods_code": "C87001", "provider_code": ""},
    "providers": {"provider_code": "RVBS", "provider_name": "Rother Valley Befriending Scheme",
                  "provider_kind": "vcs", "charity_number": "1123456", "service_code": "RVBS-2",
                  "service_name": "Walking group", "category": "befriending", "capacity": "10",
                  "duration_weeks": "12", "area": "Wath", "active": "yes"},
    "grants": {"grant_ref": "G1", "provider_code": "RVBS", "service_codes": "RVBS-1", "amount": "£10,000",
               "start_date": "2026-04-01", "end_date": "31/03/2027", "target_referrals": "40",
               "decision_date": "2026-03-01", "amount_requested": "12000.50"},
    "referrals": {"referral_ref": "R2", "nhs_number": "943 476 5803", "given_name": "Dorothy", "family_name": "Hague",
                  "date_of_birth": "1938-03-14", "sex": "F", "ethnicity": "A", "postcode": "S60 2HX",
                  "practice_ods_code": "C87001", "referral_date": "2025-05-01", "source": "gp", "risk_score": "50",
                  "status": "received", "adviser_username": "adviser_a", "decision_date": "", "closed_date": "",
                  "closure_reason": ""},
    "onward": {"onward_ref": "O1", "referral_ref": "R1", "kind": "commissioned", "service_code": "RVBS-1",
               "destination": "", "made_date": "2025-06-01", "status": "sent", "started_date": "2025-06-10",
               "ended_date": "", "continued_after_end": "no"},
    "star": {"referral_ref": "R1", "reading_date": "2025-06-01", "reading_type": "baseline",
             **dict.fromkeys(AREAS, "3")},
    "episodes": {"nhs_number": NHS, "episode_type": "nel_admission", "start_date": "2025-01-01",
                 "end_date": "2025-01-05", "episode_ref": "E1"},
    "costs": {"date": "2026-04-01", "amount": "1,000", "description": "Salaries"},
    "comparison": {"pseudo_id": "C-2", "year_of_birth": "1944", "sex": "M", "practice_ods_code": "C87001",
                   "risk_score": "40"},
    "comparison_episodes": {"pseudo_id": "C-1", "episode_type": "ae_attendance", "start_date": "2025-02-01",
                            "end_date": "", "episode_ref": ""},
    "postcodes": {"pcds": "S66 8AB", "lat": "53.4232", "long": "-1.2012"},
}


def test_every_kind_is_fuzzed_and_its_good_row_imports(known):
    assert set(GOOD) == set(HANDLERS)
    for kind, row in GOOD.items():
        result = _run(kind, _csv(list(row), [row]).encode())
        assert result.ok and not result.errors, (kind, result.file_error, [str(e) for e in result.errors])
        assert result.counts.created + result.counts.updated == 1, (kind, result.summary())


def cells() -> st.SearchStrategy[str]:
    """What a cell might hold: anything, or something near a real value."""
    return st.one_of(
        hostile_text(), iso_dates(), st.integers(-(10 ** 30), 10 ** 30).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str), st.floats().map(str),
        st.sampled_from(["R1", "RVBS", "RVBS-1", "C87001", "adviser_a", NHS, "9434765918", "0000000000",
                         "received", "accepted", "closed", "commissioned", "signpost", "baseline", "gp_staff",
                         "provider_staff", "nel_admission", "yes", "no", "£1,000,000,000,000", "1e400", "1E+999999",
                         "0.001", "12345678901.99", "-0.00", "1;2;3", ";;", "RVBS-1;RVBS-1", "ZZ99 3VZ", "[clear]",
                         "[CLEAR]"]),
    )


@st.composite
def import_files(draw, kind: str):
    """The bytes of a file of `kind`: its columns in any order (optional ones perhaps left out), one to four
    rows each a good row with some cells replaced, in UTF-8 or not."""
    columns = dict(HANDLERS[kind].columns)
    header = [name for name, required in columns.items() if required or draw(st.booleans())]
    header = draw(st.permutations(header))
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        replaced = draw(st.dictionaries(st.sampled_from(header), cells(), max_size=len(header)))
        rows.append({**{name: GOOD[kind].get(name, "") for name in header}, **replaced})
    text = _csv(header, rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "spliced"]))
    if encoding == "spliced":  # a few arbitrary bytes somewhere in otherwise good UTF-8
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:], None  # the rows are not those now
    return text.encode(encoding, errors="replace"), rows if encoding.startswith("utf-8") else None


def _csv(header: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)  # "\r\n": a cell with either is quoted
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _run(kind: str, data: bytes, *, rejects: io.StringIO | None = None) -> ImportResult:
    return run_import(kind=kind, stream=io.BytesIO(data), file_name=f"{kind}.csv", user=None, dry_run=True,
                      rejects=rejects, covered_until=dt.date(2026, 3, 31) if kind in COVERED_KINDS else None)


def assert_clean_result(kind: str, result: ImportResult) -> None:
    """A refusal of the whole file with a message, or every bad row listed against a line and one of the
    kind's columns; nothing kept either way (a dry run)."""
    columns = set(HANDLERS[kind].columns)
    if result.file_error:
        assert isinstance(result.file_error, str) and result.file_error.strip()
        assert not result.ok and result.counts.created == result.counts.updated == 0
        return
    assert result.error_count >= len(result.errors)
    for error in result.errors:
        assert error.line >= 2, error
        assert error.column in columns or error.column == "", error
        assert error.message and str(error).startswith(f"line {error.line}"), error
    if result.aborted:
        assert result.errors and not result.ok
    else:
        assert result.ok and result.batch is not None
    assert not ImportBatch.objects.exclude(file_name=KNOWN_BATCH).exists()  # a dry run keeps nothing


def _nul_cells(header_line_count: int, rows: list[dict]) -> set[tuple[int, str]]:
    """(line, column) of every cell with a NUL character, the line being where the reader ends the row."""
    found, line = set(), header_line_count
    for row in rows:
        line += len(list(io.StringIO(_csv(list(row), [row]).split("\n", 1)[1], newline="")))
        if any(value.strip() for value in row.values()):
            found |= {(line, column) for column, value in row.items() if "\x00" in value}
    return found


@pytest.mark.parametrize("kind", HANDLERS)
@FUZZ
@given(data=st.data())
def test_any_file_is_refused_or_imported_with_errors_by_line_and_column(known, kind, data):
    content, rows = data.draw(import_files(kind), label="file")
    skip_invalid = data.draw(st.booleans(), label="skip invalid")
    with rolled_back():
        result = _run(kind, content, rejects=io.StringIO() if skip_invalid else None)
        assert_clean_result(kind, result)
    event("refused" if result.file_error else "aborted" if result.aborted else
          f"imported, {'some' if result.counts.created + result.counts.updated else 'no'} rows written")
    if rows is not None and not result.file_error and result.error_count <= len(result.errors):
        errors = {(e.line, e.column) for e in result.errors if "NUL" in e.message}
        assert _nul_cells(1, rows) <= errors, [str(e) for e in result.errors]


@pytest.mark.parametrize("kind", HANDLERS)
@FUZZ
@given(data=st.data())
@example(data=None)
def test_a_nul_in_any_cell_is_an_error_naming_line_and_column(known, kind, data):
    """PostgreSQL cannot store a NUL character in text (psycopg2 refuses the query; COPY refuses the row), so the
    reader names it as a row error instead of letting it reach the database."""
    columns = list(HANDLERS[kind].columns)
    if data is None:
        column, value = columns[0], "a\x00b"
    else:
        column = data.draw(st.sampled_from(columns), label="column")
        value = data.draw(st.text(min_size=1).map(lambda text: text[: len(text) // 2] + "\x00" + text[len(text) // 2:]),
                          label="value")
    bad = {**GOOD[kind], column: value}
    with rolled_back():
        result = _run(kind, _csv(columns, [GOOD[kind], bad]).encode())
        assert_clean_result(kind, result)
    assert result.aborted
    line = 2 + len(list(io.StringIO(_csv(columns, [bad]).split("\n", 1)[1], newline="")))
    assert any(str(e).startswith(f"line {line}, {column}: contains a NUL character") for e in result.errors), \
        [str(e) for e in result.errors]


@pytest.mark.parametrize("kind", HANDLERS)
@FUZZ
@given(cell=long_strings(), data=st.data())
def test_a_cell_too_long_for_its_column_is_an_error_not_a_database_error(known, kind, cell, data):
    column = data.draw(st.sampled_from(list(HANDLERS[kind].columns)), label="column")
    with rolled_back():
        result = _run(kind, _csv(list(GOOD[kind]), [{**GOOD[kind], column: cell}]).encode())
        assert_clean_result(kind, result)


def test_a_file_with_a_field_past_the_csv_limit_is_refused_whole(known):
    result = _run("costs", _csv(["date", "amount", "description"],
                                [{"date": "2026-04-01", "amount": "1", "description": "x" * 200_000}]).encode())
    assert result.file_error.startswith("line 2: field larger than field limit"), result.file_error


@FUZZ
@given(until=st.dates())
@example(until=dt.date.min)
@example(until=dt.date.max)
def test_any_covered_until_is_refused_or_leaves_the_reports_working(client_for, manager, known, until):
    """The latest covered_until is every report's "data until": 0001-01-01 once made the episodes and roi
    reports fail for everyone (OverflowError), and a date in the future would stand for data nobody has."""
    data = f"nhs_number,episode_type,start_date\n{NHS},nel_admission,2025-01-01\n".encode()
    with rolled_back():
        result = run_import(kind="episodes", stream=io.BytesIO(data), file_name="e.csv", user=None,
                            covered_until=until)
        if result.file_error:
            assert result.file_error.startswith(f"The extract cannot cover until {until.isoformat()}")
            assert until > today() or until.year < 1900
            return
        assert result.ok and ImportBatch.objects.get(kind="episodes").covered_until == until
        for report in ("episodes", "roi"):
            page = client_for(manager).get(reverse("reports:evaluation"), {"report": report, "period": "fy2025"})
            assert page.status_code == 200, (report, page.status_code)
