"""Any input to the reports forms gives field errors or success, never an exception; the evaluation page answers
any query, and the import page any upload, without a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

import reports.forms
from reports.forms import ReportForm
from reports.imports.run import COVERED_KINDS, HANDLERS
from reports.tests.test_imports_fuzz import import_files
from sps.tests.fuzzing import (
    FUZZ,
    assert_clean_outcome,
    form_classes,
    form_data,
    hostile_text,
    iso_dates,
    rolled_back,
)

FORMS = form_classes(reports.forms)


def test_the_known_forms_are_found():
    assert {"ImportForm", "ReportForm"} <= set(FORMS)


@pytest.mark.parametrize("name", FORMS)
@FUZZ
@given(data=st.data(), upload=st.one_of(st.none(), st.binary(max_size=200)))
def test_any_input_to_a_reports_form_gives_errors_or_success(name, data, upload, practice_a):
    files = {"file": SimpleUploadedFile("f.csv", upload)} if upload is not None else None
    form = FORMS[name](data.draw(form_data(FORMS[name]()), label="data"), files=files)
    with rolled_back():
        assert_clean_outcome(form)
        if isinstance(form, ReportForm):
            _, arguments = form.report_arguments()
            assert arguments["start"] <= arguments["end"]


# The evaluation page: any query, custom dates anywhere in the calendar included.


@FUZZ
@given(data=st.data())
def test_evaluation_page_answers_any_query(client_for, manager, commissioner, practice_a, data):
    query = dict(data.draw(form_data(ReportForm()), label="query").lists())
    if data.draw(st.booleans(), label="custom"):  # more often than the picker's choices alone would give
        query.update(period=["custom"], start=[data.draw(iso_dates(), label="start")],
                     end=[data.draw(iso_dates(), label="end")])
    if data.draw(st.booleans(), label="download"):
        query["download"] = [data.draw(st.one_of(st.sampled_from(["monthly", "areas", "measures", "years"]),
                                                 hostile_text()), label="table")]
    for user in (manager, commissioner):
        response = client_for(user).get(reverse("reports:evaluation"), query)
        assert response.status_code in (200, 404), response.status_code
        assert response.status_code == 200 or query.get("download")


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "9999-12-31"), ("0999-12-01", "0999-12-31"),
                                            ("1000-01-01", "9999-11-30")])
def test_a_custom_period_at_the_ends_of_the_calendar_is_refused_not_a_500(client_for, manager, start, end):
    """Once a 500: reports/evaluation.py _months() stepped past December 9999, reports/presentation.py could not
    read back f"{month:%Y-%m}" for a year before 1000, and 9,000 years of months took 17 s to show."""
    response = client_for(manager).get(reverse("reports:evaluation"),
                                       {"period": "custom", "start": start, "end": end, "report": "process"})
    assert response.status_code == 200
    assert response.context["form"].errors


# The import page: a check (a dry run) of any upload, then, when it passes, the import itself.


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path


@pytest.mark.parametrize("kind", HANDLERS)
@FUZZ
@given(data=st.data())
def test_import_page_answers_any_upload(client_for, manager, known, import_dir, kind, data):
    content, _ = data.draw(import_files(kind), label="file")
    # A name a browser could send: Django answers 400 to a part's headers past 1024 bytes.
    name = data.draw(hostile_text(), label="name")[:100].replace("/", "") + ".csv"
    post = {"kind": kind, "file": SimpleUploadedFile(name, content)}
    if kind in COVERED_KINDS or data.draw(st.booleans(), label="covered until"):
        post["covered_until"] = data.draw(st.one_of(st.just("2026-03-31"), iso_dates(), hostile_text()),
                                          label="until")
    if data.draw(st.booleans(), label="skip invalid"):
        post["skip_invalid"] = "on"
    client = client_for(manager)
    with rolled_back():
        check = client.post(reverse("reports:imports"), post)
        assert check.status_code == 200, check.status_code
        run = check.context.get("run")
        if run is not None and check.context["result"].ok:
            done = client.post(reverse("reports:import_confirm", args=[run.token]))
            assert done.status_code == 302 and done.url == reverse("reports:import_run", args=[run.token])
            assert client.get(done.url).status_code == 200
            event("checked and imported")
        else:
            event("checked: refused or errors listed" if run is not None else "form errors")
