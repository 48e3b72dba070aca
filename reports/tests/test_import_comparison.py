"""The comparison extract's two kinds (formats.md, evaluation.md section 5): checked like every kind, all or
nothing, idempotent; and nobody sees a comparison person individually, not in an import's check either."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.evaluation import latest_data_until
from reports.forms import ImportForm
from reports.imports.run import NO_ROWS_SET_ASIDE
from reports.models import ComparisonEpisode, ComparisonPerson, HospitalEpisode, ImportBatch
from reports.tests.helpers import do_import
from sps.lib.dates import today

UNTIL = dt.date(2025, 12, 31)
PEOPLE = ("pseudo_id,year_of_birth,sex,practice_ods_code,risk_score\n"
          "C-1,1948,F,C88001,58\n"
          "C-2,1939,M,,\n")


def test_comparison_people_are_imported_once_and_updated_without_showing_who(db):
    result = do_import("comparison", PEOPLE)
    assert (result.ok, result.counts.created) == (True, 2)
    assert ComparisonPerson.objects.get(pseudo_id="C-1").risk_score == 58
    assert ComparisonPerson.objects.get(pseudo_id="C-2").practice_ods_code == ""
    again = do_import("comparison", PEOPLE)
    assert (again.counts.created, again.counts.unchanged) == (0, 2)
    changed = do_import("comparison", PEOPLE.replace("C-1,1948,F,C88001,58", "C-1,1948,F,C88001,61"))
    assert (changed.counts.updated, changed.counts.unchanged, changed.changed_rows) == (1, 1, 1)
    assert changed.changes == []  # what changed would show the person: counted only
    assert ComparisonPerson.objects.get(pseudo_id="C-1").risk_score == 61


def test_bad_comparison_rows_are_named_by_line_and_column_and_nothing_is_written(db):
    result = do_import("comparison", "pseudo_id,year_of_birth,sex,risk_score\n"
                                     "Jane Smith 1948,1948,F,\n"
                                     "C-3,1890,F,\n"
                                     "C-4,1950,Q,101\n")
    assert [str(e) for e in result.errors] == [
        "line 2, pseudo_id: is not a pseudo id (1 to 64 letters, digits, - or _)",
        "line 3, year_of_birth: 1890 is not between 1900 and " + str(today().year),
        "line 4, sex: Q is not one of F, M, X, U",
        "line 4, risk_score: 101 is not between 0 and 100",
    ]
    assert "Jane" not in " ".join(str(e) for e in result.errors)
    assert not ComparisonPerson.objects.exists() and not ImportBatch.objects.exists()


def test_comparison_episodes_go_to_the_comparison_people_only(db):
    do_import("comparison", PEOPLE)
    data = ("pseudo_id,episode_type,start_date,end_date,episode_ref\n"
            "C-1,nel_admission,2025-01-05,2025-01-09,S1\n"
            "C-1,ae_attendance,2025-01-05,,\n"
            "C-9,ae_attendance,2025-01-05,,\n")
    assert do_import("comparison_episodes", data).file_error.startswith("Hospital episodes need the date")
    result = do_import("comparison_episodes", data, covered_until=UNTIL)
    assert (result.counts.created, result.counts.ignored) == (2, 1)
    assert ComparisonEpisode.objects.filter(person__pseudo_id="C-1").count() == 2
    assert not HospitalEpisode.objects.exists()
    again = do_import("comparison_episodes", data.replace("2025-01-09", "2025-01-10"), covered_until=UNTIL)
    assert (again.counts.updated, again.counts.unchanged, again.changes) == (1, 1, [])
    assert ComparisonEpisode.objects.get(episode_type="nel_admission").end_date == dt.date(2025, 1, 10)
    # The comparison extract's date is not the service's: the reports' "data until" stays the episodes' own.
    assert latest_data_until() is None


def test_a_bad_comparison_episode_row_is_named_without_its_pseudo_id(db):
    result = do_import("comparison_episodes", "pseudo_id,episode_type,start_date\nC 1,ae_attendance,2025-01-05\n"
                                              "C-1,ae_visit,2025-01-05\n", covered_until=UNTIL)
    assert [str(e) for e in result.errors] == [
        "line 2, pseudo_id: is not a pseudo id (1 to 64 letters, digits, - or _)",
        "line 3, episode_type: ae_visit is not one of nel_admission, nel_fce, ae_attendance, outpatient",
    ]


def test_a_comparison_extract_never_sets_its_rows_aside_in_a_file(db, tmp_path, manager):
    """The rows set aside would be a file of comparison people: refused by the import, the command (before it makes
    the file) and the upload form, each saying why."""
    rejects = io.StringIO()
    result = do_import("comparison", PEOPLE + "Jane Smith,1948,F,,\n", rejects=rejects)
    assert result.file_error == NO_ROWS_SET_ASIDE and rejects.getvalue() == ""
    assert not ComparisonPerson.objects.exists() and not ImportBatch.objects.exists()
    path, aside = tmp_path / "people.csv", tmp_path / "aside.csv"
    path.write_text(PEOPLE)
    with pytest.raises(CommandError, match="imported whole"):
        call_command("import", "comparison_episodes", str(path), "--skip-invalid", str(aside),
                     "--covered-until", "2025-12-31")
    assert not aside.exists()
    form = ImportForm({"kind": "comparison", "skip_invalid": "on"},
                      {"file": SimpleUploadedFile("people.csv", PEOPLE.encode())})
    assert not form.is_valid() and form.errors["skip_invalid"] == [NO_ROWS_SET_ASIDE]
    assert ImportForm({"kind": "episodes", "skip_invalid": "on", "covered_until": "2025-12-31"},
                      {"file": SimpleUploadedFile("e.csv", b"x")}).is_valid()
