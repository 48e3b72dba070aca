"""The load benchmark of `make bench` (bench/load.py, bench/locustfile.py; issue 13): its table from locust's
figures, the locustfile's five roles, and the manager signing in with the codes it computes. Locust itself is
installed by `make bench` only: what needs it is skipped without it."""

import importlib.util
import json
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench import load, pages
from sps.models import Role, User

ROOT = Path(__file__).resolve().parents[2]


def entry(name: str, method: str, times: dict[int, int], failures: int = 0, last: float = 1090.0) -> dict:
    """A page's figures as locust's --json-file writes them (times rounded, as keys of a histogram)."""
    return {"name": name, "method": method, "start_time": 1000.0, "last_request_timestamp": last,
            "num_requests": sum(times.values()), "num_failures": failures, "response_times": {
                str(ms): n for ms, n in times.items()}}


STATS = [entry("referral page", "GET", {41: 100, 130: 15, 310: 5}),
         entry("caseload search", "POST", {88: 9, 150: 1}, failures=1),
         entry("caseload", "GET", {35: 150, 95: 45, 1900: 5}, failures=2, last=1100.0),
         entry("evaluation", "GET", {900: 2, 1200: 1})]
FAILURES = """Method,Name,Error,Occurrences
GET,caseload,HTTPError('500 Server Error'),2
POST,caseload search,the search was refused (the form came back),1
"""


@pytest.fixture
def figures(tmp_path):
    (tmp_path / "locust.json").write_text(json.dumps(STATS))
    (tmp_path / "locust_failures.csv").write_text(FAILURES)
    return tmp_path


def test_the_table_has_the_headline_pages_first_then_the_others_then_the_totals(figures):
    rows, total = load.read_stats(figures / "locust.json")
    assert [row.page for row in rows] == [*load.HEADLINE, "caseload search", "evaluation"]
    caseload = rows[0]
    assert (caseload.requests, caseload.per_second, caseload.p50, caseload.p95, caseload.p99, caseload.errors) == (
        200, 2.0, 35, 95, 1900, 2)  # over the 100 s from the first page's start to the last request
    assert [(row.requests, row.p99) for row in rows[2:6]] == [(0, 0)] * 4  # no request, still shown
    assert (total.page, total.requests, total.errors, total.p50, total.p95, total.p99) == (
        "Total", 333, 3, 41, 130, 1900)
    (figures / "window.json").write_text(json.dumps({"from": 1010.0, "to": 1060.0}))
    in_window, total_in_window = load.read_stats(figures / "locust.json", figures / "window.json")
    assert (in_window[0].per_second, total_in_window.per_second) == (4.0, 6.66)  # over the 50 s it ran for
    text = load.format_table(rows, total)
    lines = text.splitlines()
    assert lines[0].split() == ["page", "requests", "req/s", "p50", "ms", "p95", "ms", "p99", "ms", "errors"]
    assert lines[2].split() == ["caseload", "200", "2.0", "35", "95", "1,900", "2"]
    assert lines[-1].split() == ["Total", "333", "3.3", "41", "130", "1,900", "3"]
    assert len({len(line) for line in lines}) == 1  # aligned


def test_the_markdown_table_and_the_failures(figures):
    rows, total = load.read_stats(figures / "locust.json")
    markdown = load.markdown_table(rows, total, "20 users for 60s").splitlines()
    assert markdown[0] == "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors |"
    assert markdown[2] == "| caseload | 200 | 2.0 | 35 | 95 | 1,900 | 2 |"
    assert markdown[-3] == "| **Total** | **333** | **3.3** | **41** | **130** | **1,900** | **3** |"
    assert markdown[-1] == "20 users for 60s"
    assert load.read_failures(figures / "locust_failures.csv") == [
        "  2 x GET caseload: HTTPError('500 Server Error')",
        "  1 x POST caseload search: the search was refused (the form came back)"]
    assert load.read_exceptions(figures / "locust_exceptions.csv") == []  # none written


@pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust is installed by `make bench` only")
def test_the_locustfile_has_the_five_roles():
    # In a process of its own: importing locust patches the standard library for gevent.
    listed = subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--list"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) >= {"GPStaff", "Adviser", "ProviderStaff", "Manager", "Commissioner"}


def test_pages_read_links_tokens_and_form_fields():
    html = """<form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken"
        value="abc"></form><a href="/referrals/12/">A</a> <a href="/referrals/7/">B</a> <a href="/referrals/12/">A</a>
        <a href="/outcomes/visit/7/">Record</a> <span class="page-link">Page 1 of 40 (2,000 referrals)</span>
        <form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="abc">
        <input type="hidden" name="idempotency_key" value="k1"><input type="date" name="date" value="2026-11-26">
        <input type="radio" name="kind" value="home_visit" checked><input type="radio" name="kind" value="phone">
        <input type="checkbox" name="needs" value="befriending" checked><input type="checkbox" name="needs"
        value="dementia"><button type="submit">Save</button></form>"""
    assert pages.csrf_token(html) == "abc"
    assert pages.referral_ids(html) == [12, 7]
    assert pages.visit_ids(html) == [7]
    assert pages.last_page(html) == 40
    assert pages.last_page("<p>No pages</p>") == 1
    assert pages.form_fields(html, "idempotency_key") == [
        ("csrfmiddlewaretoken", "abc"), ("idempotency_key", "k1"), ("date", "2026-11-26"), ("kind", "home_visit"),
        ("needs", "befriending")]
    assert pages.form_fields(html, "nothing") == []


@pytest.mark.django_db
def test_the_codes_computed_are_those_django_otp_takes():
    user = User.objects.create_user("m", role=Role.MANAGER, password="x")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert device.verify_token(pages.totp(device.key, pages.current_step()))
    assert device.verify_token(pages.totp(device.key, pages.current_step() + 1))  # the next step's, once only
    assert not device.verify_token(pages.totp(device.key, pages.current_step() + 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="generate_scale_data loads with PostgreSQL's COPY")
@pytest.mark.django_db
def test_generated_logins_sign_in_the_manager_with_a_computed_code(settings):
    from django.core.management import call_command

    call_command("generate_scale_data", referrals=1000, force=True, stdout=StringIO())
    logins = load.read_logins()
    assert all(logins["users"][role] for role in Role.values)
    assert set(logins["totp_keys"]) == {"manager"}  # only the manager must give a second factor
    client = Client()
    assert client.post("/accounts/login/", {"username": "manager", "password": logins["password"]}).status_code == 302
    assert client.get("/reports/overview/").url == "/accounts/two-factor/"
    code = pages.totp(logins["totp_keys"]["manager"], int(time.time()) // pages.TOTP_STEP)
    assert client.post("/accounts/two-factor/", {"code": code}).url == "/"
    assert client.get("/providers/dashboard/").status_code == 200


def test_load_exits_1_when_gunicorn_does_not_start(monkeypatch, tmp_path, capsys):
    for name, value in {**load.DEFAULT_ENV, **load.SERVER_ENV}.items():
        monkeypatch.setenv(name, value)  # put back after the test: main() sets them for the server
    monkeypatch.setattr(load, "prepare", lambda: ({"users": {}}, 1000))

    def start_a_server_that_fails(port, workers, log):
        log.write_text("Error: no such application\n")
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])

    monkeypatch.setattr(load, "start_gunicorn", start_a_server_that_fails)
    assert load.main(["--users", "2", "--duration", "5s"]) == 1
    assert "gunicorn did not start:\nError: no such application" in capsys.readouterr().err


def test_stopping_the_server_ends_its_workers_too():
    """A gunicorn worker busy with a long request outlived its master when the master was killed, and took a core
    from every measurement after it. Here a 'server' and its 'worker' both ignore the polite signal."""
    from bench.load import stop

    ignoring = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    server = subprocess.Popen(
        [sys.executable, "-c", "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
         f"worker = subprocess.Popen([sys.executable, '-c', {ignoring!r}]); print(worker.pid, flush=True); "
         "time.sleep(60)"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    worker = int(server.stdout.readline())
    stop(server, grace=0.5)
    status = Path(f"/proc/{worker}/status")
    for _ in range(50):  # the kill is delivered at once; its parent, gone, no longer reaps it: init does
        if not status.exists() or "State:\tZ" in status.read_text():
            break
        time.sleep(0.1)
    assert not status.exists() or "State:\tZ" in status.read_text()
