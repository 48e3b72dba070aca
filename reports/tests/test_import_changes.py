"""Issue 12: a practices file with a blank optional column erased an address, and the check said only "1 updated".
A blank optional cell (or a column left out) now leaves what is stored alone, `[clear]` empties it, and the check
shows, per updated row, each changed column's value now and after."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from providers.models import Grant, OnwardReferral, Provider, Service
from referrals.models import Patient, Referral
from reports.imports.base import MAX_CHANGES_SHOWN, FieldChange
from reports.imports.run import COVERED_KINDS, HANDLERS
from reports.models import ComparisonEpisode, ComparisonPerson, HospitalEpisode, ProgrammeCost
from reports.tests.helpers import do_import
from reports.tests.test_imports_fuzz import GOOD, NHS, _csv
from sps.models import Practice, User

COVERED = dt.date(2026, 3, 31)
# Optional columns that the good rows need all the same: a GP's practice, a commissioned service, the episode's key.
NEEDED = {"users": {"practice_ods_code"}, "onward": {"service_code"}, "episodes": {"episode_ref"},
          "comparison_episodes": {"episode_ref"}}
UNSHOWN = {"comparison", "comparison_episodes"}  # a change would show a comparison person: counted only
ALWAYS_A_VALUE = {"active", "source"}
CLEARED_TO = {"area": "Borough-wide", "sex": "U", "postcode": "ZZ99 3WZ"}  # what "nothing" is for these


def _import(kind: str, header: list[str], rows: list[dict], **options):
    return do_import(kind, _csv(header, rows), covered_until=COVERED if kind in COVERED_KINDS else None,
                     **options)


def _optional(kind: str) -> list[str]:
    return [name for name, required in HANDLERS[kind].columns.items()
            if not required and name not in NEEDED.get(kind, ())]


def _stored() -> dict:
    """Everything the imports write, row by row."""
    models = [Practice, Practice.advisers.through, User, Provider, Service, Grant, Grant.services.through, Patient,
              Referral, OnwardReferral, HospitalEpisode, ProgrammeCost, ComparisonPerson, ComparisonEpisode]
    return {model.__name__: sorted(map(str, model.objects.values())) for model in models}


@pytest.mark.parametrize("kind", [kind for kind in GOOD if _optional(kind)])
def test_blank_or_absent_optional_cells_leave_what_is_stored_alone(known, kind):
    row = GOOD[kind]
    assert _import(kind, list(row), [row]).ok
    before = _stored()
    blank = _import(kind, list(row), [{**row, **dict.fromkeys(_optional(kind), "")}])
    kept = [name for name in row if name not in _optional(kind)]
    absent = _import(kind, kept, [{name: row[name] for name in kept}])
    for result in (blank, absent):
        assert result.ok, [str(e) for e in result.errors]
        assert (result.counts.updated, result.counts.unchanged, result.changes) == (0, 1, []), result.summary()
    assert _stored() == before


@pytest.mark.parametrize(("kind", "column"), [(kind, column) for kind in GOOD for column in _optional(kind)])
def test_clear_empties_an_optional_column_or_says_it_cannot(known, kind, column):
    row = GOOD[kind]
    assert _import(kind, list(row), [row]).ok
    result = _import(kind, list(row), [{**row, column: "[CLEAR]"}])
    if column in ALWAYS_A_VALUE:
        assert [str(e) for e in result.errors] == [
            f"line 2, {column}: cannot be cleared ([clear]): it always has a value; leave the cell blank to keep the "
            "one stored"]
    elif not row[column]:  # nothing stored to clear
        assert result.ok and result.counts.unchanged == 1 and not result.changes
    elif kind in UNSHOWN:
        assert result.ok and result.counts.updated == 1 and result.changes == [], [str(e) for e in result.errors]
    else:
        assert result.ok and result.counts.updated == 1, [str(e) for e in result.errors]
        [change] = result.changes
        assert (change.line, [(f.column, f.new) for f in change.fields]) == (
            2, [(column, CLEARED_TO.get(column, "(blank)"))])


def test_a_blank_address_is_kept_and_the_check_shows_each_changed_value(db):
    Practice.objects.create(ods_code="C88001", name="Old Street Surgery", postcode="S60 1AA",
                            address="1 Old Street, Rotherham")
    result = do_import("practices", "ods_code,name,postcode,address\nC88001,New Street Surgery,S60 2HX,\n",
                       dry_run=True)
    assert (result.counts.updated, result.changed_rows) == (1, 1)
    [change] = result.changes
    assert (change.line, change.row) == (2, "C88001")
    assert change.fields == [FieldChange("name", "Old Street Surgery", "New Street Surgery"),
                             FieldChange("postcode", "S60 1AA", "S60 2HX")]
    do_import("practices", "ods_code,name,postcode,address\nC88001,New Street Surgery,S60 2HX,\n")
    assert Practice.objects.get().address == "1 Old Street, Rotherham"
    cleared = do_import("practices", "ods_code,name,postcode,address\nC88001,New Street Surgery,S60 2HX,[clear]\n")
    assert cleared.changes[0].fields == [FieldChange("address", "1 Old Street, Rotherham", "(blank)")]
    assert Practice.objects.get().address == ""


def test_a_referral_row_shows_its_patients_changes_and_its_own_together(known, adviser_a):
    header = "referral_ref,nhs_number,given_name,family_name,date_of_birth,practice_ods_code,referral_date,status"
    result = do_import("referrals", f"{header}\nR1,{NHS},Dot,Hague,1938-03-14,C87001,2025-05-01,active\n",
                       dry_run=True)
    [change] = result.changes
    columns = [f.column for f in change.fields]
    assert change.row == "R1" and "given_name" in columns and "status" in columns
    assert FieldChange("status", "accepted", "active") in change.fields
    assert "adviser_username" not in columns  # blank: the adviser stays
    assert result.counts.updated == 1


def test_a_providers_name_change_is_counted_and_shown(known):
    header = "provider_code,provider_name,provider_kind,service_code,service_name,category"
    result = do_import("providers", f"{header}\nRVBS,Rother Valley Befrienders,vcs,RVBS-1,Telephone befriending,"
                                    "befriending\n")
    assert (result.counts.updated, result.counts.unchanged) == (1, 0)
    assert result.changes[0].fields == [
        FieldChange("provider_name", "Rother Valley Befriending Scheme", "Rother Valley Befrienders")]


def test_an_episodes_blank_end_date_is_kept_and_clear_removes_it(known):
    header = "nhs_number,episode_type,start_date,end_date"
    assert do_import("episodes", f"{header}\n{NHS},nel_admission,2025-01-05,2025-01-09\n", covered_until=COVERED).ok
    blank = do_import("episodes", f"{header}\n{NHS},nel_admission,2025-01-05,\n", covered_until=COVERED)
    assert (blank.counts.unchanged, blank.changes) == (1, [])
    assert HospitalEpisode.objects.get().end_date == dt.date(2025, 1, 9)
    changed = do_import("episodes", f"{header}\n{NHS},nel_admission,2025-01-05,2025-01-10\n", covered_until=COVERED,
                        dry_run=True)
    assert [str(c) for c in changed.changes] == [
        "line 2 (nel_admission, 05/01/2025): end_date: 09/01/2025 -> 10/01/2025"]
    cleared = do_import("episodes", f"{header}\n{NHS},nel_admission,2025-01-05,[clear]\n", covered_until=COVERED)
    assert cleared.counts.updated == 1 and HospitalEpisode.objects.get().end_date is None
    refused = do_import("episodes", f"{header},episode_ref\n{NHS},nel_admission,2025-01-05,,[clear]\n",
                        covered_until=COVERED)
    assert [str(e) for e in refused.errors] == [
        "line 2, episode_ref: cannot be cleared ([clear]): this column must have a value, or identifies the row"]


def test_clear_in_a_required_column_or_an_empty_list_is_refused(known):
    result = do_import("practices", "ods_code,name,postcode,adviser_usernames\nC87001,[clear],S60 1AA,\n"
                                    "C88001,New Street Surgery,S60 1AA,;;\n")
    assert [str(e) for e in result.errors] == [
        "line 2, name: cannot be cleared ([clear]): this column must have a value, or identifies the row",
        "line 3, adviser_usernames: names no adviser (to remove every adviser, write [clear])"]


def test_advisers_are_kept_when_blank_and_removed_by_clear(known, adviser_a):
    header = "ods_code,name,postcode,adviser_usernames"
    practice = adviser_a.linked_practices.get()
    row = f"{practice.ods_code},{practice.name},{practice.postcode}"
    assert do_import("practices", f"{header}\n{row},\n").counts.unchanged == 1
    assert list(practice.advisers.all()) == [adviser_a]
    cleared = do_import("practices", f"{header}\n{row},[clear]\n")
    assert cleared.changes[0].fields == [FieldChange("adviser_usernames", "adviser_a", "(blank)")]
    assert not practice.advisers.exists()


def test_only_the_first_thousand_changed_rows_are_kept_for_the_check(db):
    rows = "".join(f"C{88000 + i},Surgery {i},S60 1AA\n" for i in range(MAX_CHANGES_SHOWN + 5))
    do_import("practices", "ods_code,name,postcode\n" + rows)
    result = do_import("practices", "ods_code,name,postcode\n" + rows.replace("S60 1AA", "S60 2HX"), dry_run=True)
    assert (result.changed_rows, len(result.changes)) == (MAX_CHANGES_SHOWN + 5, MAX_CHANGES_SHOWN)


def test_the_command_line_dry_run_prints_the_changes(db, tmp_path, capsys):
    Practice.objects.create(ods_code="C88001", name="Old Street Surgery", postcode="S60 1AA", address="1 Old St")
    path = tmp_path / "p.csv"
    path.write_text("ods_code,name,postcode,address\nC88001,New Street Surgery,S60 1AA,\n")
    call_command("import", "practices", str(path), "--dry-run")
    assert "line 2 (C88001): name: Old Street Surgery -> New Street Surgery" in capsys.readouterr().out


def test_the_managers_check_lists_each_change_with_its_value_now_and_after(client_for, manager):
    Practice.objects.create(ods_code="C88001", name="Old Street Surgery", postcode="S60 1AA", address="1 Old St")
    client = client_for(manager)
    page = client.post(reverse("reports:imports"), {
        "kind": "practices", "file": _upload("ods_code,name,postcode,address\nC88001,New Street Surgery,S60 1AA,\n")})
    text = page.text
    assert "What the 1 updated row would change" in text
    assert "<td>name</td><td>Old Street Surgery</td><td>New Street Surgery</td>" in text
    assert "address" not in text.split("What the 1 updated row would change")[1].split("</table>")[0]


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("p.csv", text.encode())
