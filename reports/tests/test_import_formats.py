"""Issue 12: the imports page pointed to "the README" for the formats. It now shows each kind's columns (required or
optional, what each holds) and offers an example file of each, made from the handlers the import runs."""

import csv
import io

import pytest
from django.urls import reverse

from reports.imports.run import COVERED_KINDS, HANDLERS, run_import
from sps.lib.dates import today


def test_every_column_of_every_kind_says_what_it_holds():
    for kind, handler in HANDLERS.items():
        assert handler.about, kind
        assert set(handler.notes) == set(handler.columns), kind
        assert all(note.strip() for note in handler.notes.values()), kind
        assert set(handler.key) <= set(handler.columns), kind
        assert handler.example and all(set(row) <= set(handler.columns) for row in handler.example), kind


def test_the_example_files_downloaded_from_the_page_import_in_order_into_an_empty_service(client_for, manager):
    client = client_for(manager)
    for kind in HANDLERS:  # in the order a new deployment imports them
        response = client.get(reverse("reports:import_example", args=[kind]))
        assert response["Content-Disposition"] == f'attachment; filename="{kind}_example.csv"'
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert header == list(HANDLERS[kind].columns)
        result = run_import(kind=kind, stream=io.BytesIO(response.content), file_name=f"{kind}.csv", user=manager,
                            covered_until=today() if kind in COVERED_KINDS else None)
        assert result.ok and not result.errors, (kind, [str(e) for e in result.errors])
        assert result.counts.created == len(HANDLERS[kind].example), (kind, result.summary())


def test_the_imports_page_lists_each_kinds_columns_and_links_its_example(client_for, manager,
                                                                        django_assert_num_queries):
    client = client_for(manager)
    with django_assert_num_queries(8):  # the formats cost no query (the eighth: the uploads under way)
        page = client.get(reverse("reports:imports")).text
    assert "README" not in page
    assert ("<tr><th scope=\"row\"><code>address</code></th><td>Optional</td><td>The practice&#x27;s address.</td></tr>"
            in page)
    assert "<tr><th scope=\"row\"><code>ods_code</code></th><td>Required</td>" in page
    for kind in HANDLERS:
        assert f'href="{reverse("reports:import_example", args=[kind])}" download' in page
    assert "<kbd>[clear]</kbd>" in page


def test_an_unknown_kinds_example_is_404(client_for, manager):
    assert client_for(manager).get(reverse("reports:import_example", args=["nonsense"])).status_code == 404


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "provider_staff", "commissioner"])
def test_only_the_manager_gets_the_examples(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:import_example", args=["practices"])).status_code == 404


def test_the_examples_need_a_login(client):
    url = reverse("reports:import_example", args=["practices"])
    assert client.get(url).url == f"{reverse('login')}?next={url}"

