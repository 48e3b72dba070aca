import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import ImportBatch
from sps.models import Practice

GOOD = b"ods_code,name,postcode\nC88001,New Street Surgery,S60 1AA\n"


def _upload(client, data: bytes, kind="practices", **extra):
    return client.post(reverse("reports:imports"), {"kind": kind, "file": SimpleUploadedFile("p.csv", data),
                                                    **extra})


def test_manager_checks_then_confirms_an_import(client_for, manager):
    client = client_for(manager)
    check = _upload(client, GOOD)
    assert "If imported: <strong>1</strong> created" in check.text
    assert not Practice.objects.exists()
    token = check.context["run"].token
    done = client.post(reverse("reports:import_confirm", args=[token]), follow=True)
    assert "Imported p.csv: 1 created" in done.text
    assert Practice.objects.get().name == "New Street Surgery"
    assert ImportBatch.objects.get().imported_by == manager
    assert client.post(reverse("reports:import_confirm", args=[token])).status_code == 404  # used once


def test_the_check_lists_every_error_and_offers_no_import(client_for, manager):
    check = _upload(client_for(manager), b"ods_code,name,postcode\nC8800,A,S60 1AA\nC88002,B,XX\n")
    assert "line 2, ods_code: C8800 is not a GP practice ODS code" in check.text
    assert "line 3, postcode: XX is not a UK postcode" in check.text
    assert "nothing can be imported until the file is put right" in check.text
    assert not Practice.objects.exists()


def test_a_bad_file_and_a_missing_date_are_explained(client_for, manager):
    client = client_for(manager)
    assert "Required column missing: postcode." in _upload(client, b"ods_code,name\nC88001,A\n").text
    page = _upload(client, b"nhs_number,episode_type,start_date\n", kind="episodes")
    assert "Give the last date the hospital extract covers." in page.text


def test_history_shows_who_imported_what(client_for, manager, django_assert_num_queries):
    client = client_for(manager)
    for _ in range(3):
        check = _upload(client, GOOD)
        client.post(reverse("reports:import_confirm", args=[check.context["run"].token]))
    with django_assert_num_queries(8):  # session, user, the manager's uploads under way, the history with who imported
        page = client.get(reverse("reports:imports"))
    assert page.text.count("<td>p.csv</td>") == 3


@pytest.mark.parametrize("persona", ["gp_a", "adviser_a", "provider_staff", "commissioner"])
def test_only_the_manager_may_import(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("reports:imports")).status_code == 404
    assert _upload(client, GOOD).status_code == 404
    assert not Practice.objects.filter(ods_code="C88001").exists()


def test_another_persons_upload_cannot_be_confirmed(client_for, manager, django_user_model):
    check = _upload(client_for(manager), GOOD)
    token = check.context["run"].token
    other = django_user_model.objects.create(username="manager2", role="manager")
    assert client_for(other).post(reverse("reports:import_confirm", args=[token])).status_code == 404
    assert not Practice.objects.exists()


def test_imports_need_a_login(client):
    url = reverse("reports:imports")
    assert client.get(url).url == f"{reverse('login')}?next={url}"
