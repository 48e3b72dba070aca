"""In a real browser: the manager reads what a practices file holds on the imports page, downloads the example,
imports it, then checks a file with a blank optional column and sees, before confirming, exactly what it would
change; the blank address is left as it was (issue 12)."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from reports.imports.base import Counts
from reports.imports.run import ImportResult
from reports.models import ImportRun
from sps.models import Practice
from sps.tests.axe import violations

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "uploads"


def _check(page: Page, path: Path) -> None:
    page.get_by_label("What the file holds").select_option("practices")
    page.get_by_label("CSV file (UTF-8)").set_input_files(path)
    page.get_by_role("button", name="Check the file").click()


def test_manager_reads_the_format_imports_the_example_and_sees_what_a_file_would_change(
        page: Page, live_server, sign_in, manager, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, manager)
    page.goto(live_server.url + reverse("reports:imports"))
    expect(page.get_by_text("the README")).to_have_count(0)

    formats = page.locator("#format-practices")
    formats.locator("summary").click()
    address = formats.get_by_role("row", name="address")
    expect(address).to_contain_text("Optional")
    expect(address).to_contain_text("The practice's address.")
    expect(formats.get_by_role("row", name="ods_code")).to_contain_text("Required")
    with page.expect_download() as download:
        formats.get_by_role("link", name="Download an example practices file").click()
    example = tmp_path / "practices_example.csv"
    download.value.save_as(example)
    assert example.read_text(encoding="utf-8-sig").splitlines()[0] == "ods_code,name,postcode,address," \
                                                                      "adviser_usernames,active"

    _check(page, example)
    expect(page.get_by_text("If imported: 2 created")).to_be_visible()
    page.get_by_role("button", name="Import practices_example.csv").click()
    expect(page.get_by_text("Imported practices_example.csv: 2 created")).to_be_visible()

    changed = tmp_path / "practices.csv"
    changed.write_text("ods_code,name,postcode,address\nC88001,New Street Medical Centre,S60 1AA,\n"
                       "C88002,Wath Health Centre,S63 7RL,\n")
    _check(page, changed)
    expect(page.get_by_text("If imported: 0 created, 1 updated, 1 unchanged")).to_be_visible()
    changes = page.get_by_role("table", name="What the 1 updated row would change")
    expect(changes.get_by_role("row")).to_have_count(2)  # the header, and the name's change: not the address
    expect(changes.get_by_role("row").nth(1)).to_have_text("2C88001nameNew Street SurgeryNew Street Medical Centre")
    assert not violations(page)  # the check, the formats (one of them open) and the history
    page.get_by_role("button", name="Import practices.csv").click()
    expect(page.get_by_text("Imported practices.csv: 0 created, 1 updated")).to_be_visible()
    practice = Practice.objects.get(ods_code="C88001")
    assert (practice.name, practice.address) == ("New Street Medical Centre", "1 New Street, Rotherham")


def test_the_page_follows_an_import_under_way_until_it_ends_keeping_what_was_typed(page: Page, live_server, sign_in,
                                                                                    manager):
    """Issue 13: the import runs in the worker; its page shows how far it has got and then its result, by itself
    (static/js/imports.js), without reloading what the manager has started filling in meanwhile."""
    run = ImportRun.objects.create(token="b" * 32, requested_by=manager, kind="practices", file_name="p.csv",
                                   stage="import", status="running", rows_done=1000, rows_total=2000)
    sign_in(page, manager)
    page.goto(live_server.url + reverse("reports:import_run", args=[run.token]))
    expect(page.get_by_text("Importing: 1,000 of 2,000 rows")).to_be_visible()
    page.get_by_label("What the file holds").select_option("episodes")

    ImportRun.objects.filter(pk=run.pk).update(rows_done=1500)  # what the worker writes as it goes
    expect(page.get_by_text("Importing: 1,500 of 2,000 rows")).to_be_visible()
    result = ImportResult(kind="practices", file_name="p.csv", dry_run=False, counts=Counts(created=2000))
    ImportRun.objects.filter(pk=run.pk).update(status="done", rows_done=2000, result=result.as_json())
    expect(page.get_by_text("Imported p.csv: 2000 created")).to_be_visible()
    expect(page.get_by_label("What the file holds")).to_have_value("episodes")
    assert not violations(page)
