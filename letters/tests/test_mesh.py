"""Letters sent over MESH (issue 14), through NHS England's own MESH sandbox (mesh-sandbox, from PyPI) started on
127.0.0.1 in its own environment (.venv-mesh, made by `make test`): sent when a referral closes, received and
acknowledged by the practice's mailbox, never sent twice, retried while MESH cannot be reached, failed with MESH's
error (EPL-151) when MESH reports one, and shown to the manager."""

import datetime as dt
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from mesh_client import MeshClient

from casework.services import referral_close
from letters import mesh
from letters.models import OutgoingLetter, Status
from letters.services import follow_sent_letters, queue_letter, send_due_letters, send_letter
from referrals.models import GpLetter
from referrals.models import Status as ReferralStatus
from referrals.tests.factories import ReferralFactory
from sps.lib.dates import today

SERVICE, PRACTICE = "X26ABC1", "X26ABC2"  # the sandbox's own mailboxes (password "password")
SHARED_KEY = "BackBone"


@pytest.fixture(scope="session")
def sandbox_url():
    python = Path(os.environ.get("MESH_SANDBOX_PYTHON", Path(django_settings.BASE_DIR) / ".venv-mesh/bin/python"))
    if not python.exists():
        if os.environ.get("SPS_REQUIRE_MESH"):
            pytest.fail(f"The MESH sandbox is not installed at {python} (make .venv-mesh/.installed).")
        pytest.skip("The MESH sandbox is not installed (make .venv-mesh/.installed); `make test` installs it.")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "AUTH_MODE": "none", "STORE_MODE": "memory", "SHARED_KEY": SHARED_KEY}
    server = subprocess.Popen([str(python), "-m", "uvicorn", "mesh_sandbox.api:app", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/health", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("The MESH sandbox did not start.")
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture
def mesh_on(sandbox_url, settings, national_codes):
    requests.delete(f"{sandbox_url}/messageexchange/admin/reset", timeout=5).raise_for_status()
    settings.MESH_URL, settings.MESH_MAILBOX, settings.MESH_PASSWORD = sandbox_url, SERVICE, "password"
    settings.MESH_SHARED_KEY, settings.SERVICE_ODS_CODE = SHARED_KEY, "NL3"
    return sandbox_url


def _practice_client(url) -> MeshClient:
    return MeshClient(url, PRACTICE, "password", shared_key=SHARED_KEY.encode(), max_retries=0)


@pytest.fixture
def to_sandbox_practice(practice_a):
    """The sandbox has no GPPROVIDER_... routing: the practice has a mailbox of its own there."""
    practice_a.mesh_mailbox = PRACTICE
    practice_a.save()


@pytest.fixture
def supported(practice_a, adviser_a):
    return ReferralFactory(patient__practice=practice_a, status=ReferralStatus.ACTIVE, adviser=adviser_a,
                           referral_date=today() - dt.timedelta(days=60), gp_letter=GpLetter.FULL)


def test_a_letter_goes_to_the_practices_mailbox_or_by_gp_connects_routing(practice_a):
    referral = ReferralFactory(patient__practice=practice_a, patient__nhs_number="9434765919",
                               patient__date_of_birth=dt.date(1955, 1, 9), patient__family_name="Smith")
    assert mesh.recipient(referral.patient) == "GPPROVIDER_9434765919_09011955_Smith"
    practice_a.mesh_mailbox = "A12345OT01"
    practice_a.save()
    referral.patient.refresh_from_db()
    assert mesh.recipient(referral.patient) == "A12345OT01"


def test_closing_sends_the_letter_which_the_practice_receives_and_acknowledges(
        mesh_on, to_sandbox_practice, supported, adviser_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the task runs at once (the immediate backend)
        referral_close(referral=supported, by=adviser_a, reason="goals_met")
    letter = OutgoingLetter.objects.get(referral=supported)
    assert letter.status == Status.SENT and letter.recipient == PRACTICE and letter.attempts == 1
    with _practice_client(mesh_on) as practice:
        [message_id] = practice.list_messages()
        assert message_id == letter.mesh_message_id
        message = practice.retrieve_message(message_id)
        assert message.workflow_id == "GPFED_CONSULT_REPORT" and message.local_id == str(letter.identifier)
        assert message.subject.startswith("Consultation report for ") and "Version 1" in message.subject
        body = json.loads(message.read())
        assert body["type"] == "message" and body["entry"][0]["resource"]["resourceType"] == "MessageHeader"
        practice.acknowledge_message(message_id)
    assert follow_sent_letters() == 1
    letter.refresh_from_db()
    assert letter.status == Status.ACKNOWLEDGED and letter.acknowledged_at


def test_a_letter_is_never_sent_twice(mesh_on, to_sandbox_practice, supported):
    letter = queue_letter(supported)
    assert queue_letter(supported) == letter  # one on its way at a time
    assert send_letter(letter.pk) is True
    assert send_letter(letter.pk) is False and send_due_letters() == 0
    with _practice_client(mesh_on) as practice:
        assert len(practice.list_messages()) == 1


def test_a_letter_after_one_was_sent_corrects_it(mesh_on, to_sandbox_practice, supported):
    first = queue_letter(supported)
    send_letter(first.pk)
    second = queue_letter(supported)
    assert second != first and second.replaces == first.identifier
    send_letter(second.pk)
    with _practice_client(mesh_on) as practice:
        messages = [practice.retrieve_message(m) for m in practice.list_messages()]
        assert "Version 2" in {m.local_id: m for m in messages}[str(second.identifier)].subject


def test_mesh_unreachable_is_retried_with_back_off_then_failed(mesh_on, supported, settings):
    settings.MESH_URL = "http://127.0.0.1:9"  # nothing listens there
    letter = queue_letter(supported)
    assert send_letter(letter.pk) is False
    letter.refresh_from_db()
    assert letter.status == Status.QUEUED and letter.attempts == 1 and "trying again" in letter.error
    assert letter.next_attempt_at > dt.datetime.now(dt.UTC)
    assert send_due_letters() == 0  # not due yet
    OutgoingLetter.objects.filter(pk=letter.pk).update(attempts=5, next_attempt_at=None)
    send_due_letters()
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and "6 attempts" in letter.error


def test_a_retry_is_left_to_the_task_worker_where_it_can_wait(mesh_on, supported, settings,
                                                              django_capture_on_commit_callbacks):
    settings.MESH_URL = "http://127.0.0.1:9"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    letter = queue_letter(supported)
    with django_capture_on_commit_callbacks(execute=True):
        send_letter(letter.pk)
    letter.refresh_from_db()
    [queued] = default_task_backend.results
    assert queued.task.run_after == letter.next_attempt_at


def test_mesh_refusing_the_address_fails_with_its_error(mesh_on, supported):
    letter = queue_letter(supported)  # the sandbox does not know the GPPROVIDER_ address
    assert send_letter(letter.pk) is False
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and letter.error == "Unregistered to address" and letter.error_code == "12"


def test_an_error_report_from_mesh_fails_the_letter_with_its_code(mesh_on, to_sandbox_practice, supported):
    letter = queue_letter(supported)
    send_letter(letter.pk)
    letter.refresh_from_db()
    requests.post(f"{mesh_on}/messageexchange/admin/report", timeout=5, json={
        "mailbox_id": SERVICE, "code": "EPL-151", "description": "No mailbox matched",
        "workflow_id": "GPFED_CONSULT_REPORT", "local_id": str(letter.identifier),
        "linked_message_id": letter.mesh_message_id, "status": "error"}).raise_for_status()
    assert follow_sent_letters() == 1
    letter.refresh_from_db()
    assert (letter.status, letter.error_code, letter.error) == (Status.FAILED, "EPL-151", "No mailbox matched")


def test_a_letter_left_sending_by_a_sender_that_died_is_failed_not_resent(mesh_on, supported):
    letter = queue_letter(supported)
    OutgoingLetter.objects.filter(pk=letter.pk).update(
        status=Status.SENDING, claimed_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    send_due_letters()
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and "check MESH" in letter.error


def test_without_mesh_nothing_is_queued_and_the_command_says_so(supported, adviser_a, settings):
    settings.MESH_URL = ""
    referral_close(referral=supported, by=adviser_a, reason="goals_met")
    assert not OutgoingLetter.objects.exists()
    with pytest.raises(CommandError, match="MESH_URL"):
        call_command("send_gp_letters")


def test_the_command_sends_what_is_due(mesh_on, to_sandbox_practice, supported, capsys):
    queue_letter(supported)
    call_command("send_gp_letters")
    assert "1 letter sent" in capsys.readouterr().out


def test_the_manager_sees_the_outbox_in_a_fixed_number_of_queries(client_for, manager, mesh_on, practice_a,
                                                                   django_assert_num_queries):
    OutgoingLetter.objects.create(referral=ReferralFactory(patient__practice=practice_a), status=Status.FAILED,
                                  error_code="EPL-151", error="No mailbox matched")
    client = client_for(manager)
    url = reverse("letters:outbox")
    client.get(url)
    with django_assert_num_queries(9) as counted:
        page = client.get(url).text
    assert "EPL-151: No mailbox matched" in page
    for _ in range(30):
        OutgoingLetter.objects.create(referral=ReferralFactory(patient__practice=practice_a))
    with django_assert_num_queries(len(counted.captured_queries)):
        page = client.get(url, {"status": "queued", "page": "2"}).text
    assert "Page 2 of 2" in page
    assert client.get(url, {"status": "nonsense", "page": "x"}).status_code == 200
