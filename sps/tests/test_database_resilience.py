"""Nothing lost when things fail (issue 13): the database settings that let the service ride out a PostgreSQL
restart, and the embedded default (SQLite) under concurrent writes.

The SQLite test starts a real server process (runserver, one thread per request) on a SQLite file of its own,
whatever database the rest of the tests use; several GPs' referrals posted at the same moment must all be made,
none a 500 ("database is locked"). The restart test runs gunicorn on the tests' own PostgreSQL and restarts the
throwaway cluster of .ci/with-postgres under it."""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
WRITERS = 8
PASSWORD = "correct horse battery"
# Migrates the new SQLite file and makes one GP with a patient for each writer; prints the patients' ids.
SETUP = f"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from referrals.tests.factories import PatientFactory
from sps.tests.factories import GPFactory
gp = GPFactory(username="gp", password={PASSWORD!r})
print(json.dumps([PatientFactory(practice=gp.practice).pk for _ in range({WRITERS})]))
"""
REFERRAL = {"reason": "Lives alone.", "needs": ["befriending"], "needs_detail": "", "source": "gp", "mdt_date": "",
            "risk_score": "", "urgency": "routine", "consent_referral": "on", "consent_share": "on"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

@contextlib.contextmanager
def _serving(server: subprocess.Popen, port: int, log):
    """The server's address once it answers; stopped, and its log closed, afterwards."""
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/accounts/login/", timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None, Path(log.name).read_text()
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()



def _environment(tmp_path: Path) -> dict:
    """The embedded default: DEBUG on, a SQLite file named by DATABASE_URL, no developer's .env."""
    empty = tmp_path / "empty.env"
    empty.touch()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "ENV_FILE", "DJANGO_SETTINGS_MODULE", "CONN_MAX_AGE"}}
    env.update(DEBUG="on", ENV_FILE=str(empty), DJANGO_SETTINGS_MODULE="sps.settings",
               DATABASE_URL=f"sqlite:///{tmp_path / 'sps.sqlite3'}")
    return env


def _csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _database_settings(tmp_path: Path, **environment: str) -> dict:
    """settings.DATABASES["default"] as a freshly started process sees it."""
    env = _environment(tmp_path)
    env.update(environment)
    code = "import django, json; django.setup(); from django.db import connection; print(json.dumps(" \
           "{key: connection.settings_dict[key] for key in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'OPTIONS')}))"
    started = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                             timeout=60)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


def test_production_keeps_connections_a_minute_and_checks_them_before_reuse(tmp_path):
    """After a restart a kept connection is found dead and replaced, instead of failing the next request."""
    production = {"DEBUG": "off", "SECRET_KEY": "test-only-" + "k7Qz" * 12, "EMAIL_URL": "consolemail://",
                  "SITE_URL": "https://sps.example.nhs.uk", "DATABASE_URL": "postgres://sps@127.0.0.1:5432/sps"}
    settings = _database_settings(tmp_path, **production)
    assert (settings["CONN_MAX_AGE"], settings["CONN_HEALTH_CHECKS"]) == (60, True)
    assert _database_settings(tmp_path, **production, CONN_MAX_AGE="5")["CONN_MAX_AGE"] == 5


def test_development_opens_a_connection_per_request(tmp_path):
    settings = _database_settings(tmp_path)
    assert (settings["CONN_MAX_AGE"], settings["CONN_HEALTH_CHECKS"]) == (0, True)


def test_sqlite_writes_wait_their_turn(tmp_path):
    options = _database_settings(tmp_path)["OPTIONS"]
    assert (options["transaction_mode"], options["timeout"]) == ("IMMEDIATE", 20)


@pytest.fixture
def sqlite_server(tmp_path):
    """A real server process on a fresh SQLite file; yields its address and the patients' ids."""
    env = _environment(tmp_path)
    setup = subprocess.run([sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                           timeout=300)
    assert setup.returncode == 0, setup.stderr
    patients = json.loads(setup.stdout.splitlines()[-1])
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    with _serving(server, port, log) as url:
        yield url, patients


def test_simultaneous_saves_on_sqlite_all_succeed(sqlite_server):
    url, patients = sqlite_server
    session = requests.Session()
    token = _csrf_token(session, f"{url}/accounts/login/")
    signed_in = session.post(f"{url}/accounts/login/", timeout=30, allow_redirects=False,
                             data={"username": "gp", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert signed_in.status_code == 302, signed_in.text
    forms = [(f"{url}/referrals/patients/{pk}/refer/", _csrf_token(session, f"{url}/referrals/patients/{pk}/refer/"))
             for pk in patients]
    cookies = session.cookies.get_dict()
    start = threading.Barrier(len(forms))
    statuses = []

    def post(form_url: str, csrf: str) -> None:
        start.wait()
        response = requests.post(form_url, data={**REFERRAL, "csrfmiddlewaretoken": csrf}, cookies=cookies,
                                 headers={"Referer": form_url}, allow_redirects=False, timeout=60)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(forms)  # every referral made: none refused, none a 500


# A PostgreSQL restart under load -----------------------------------------------------------------------------


def _cluster():
    """(bindir, data directory) of the tests' PostgreSQL, or a skip: only the throwaway cluster that
    .ci/with-postgres starts for this run is ever restarted, never a developer's own server."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs the tests' PostgreSQL cluster")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory'), "
                       "(SELECT setting FROM pg_config WHERE name = 'BINDIR')")
        data, bindir = cursor.fetchone()
    if "/sps-pg." not in data:
        pytest.skip("restarts only the throwaway cluster of .ci/with-postgres")
    return bindir, data


def _restart(bindir: str, data: str) -> None:
    """pg_ctl restart with the options the cluster was started with; as the postgres user when run as root, as
    .ci/with-postgres starts it."""
    from django.db import connection

    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    try:
        subprocess.run([*as_postgres, f"{bindir}/pg_ctl", "restart", "-D", data, "-m", "fast", "-w",
                        "-l", str(Path(data).parent / "server.log")], check=True, capture_output=True, timeout=120)
    finally:
        connection.close()  # the tests' own connection died with the restart


@pytest.fixture
def gunicorn_on_the_test_database(tmp_path, transactional_db):
    """gunicorn, two workers each keeping its connection (CONN_MAX_AGE), on the tests' PostgreSQL database; yields
    its address and the cluster's (bindir, data directory)."""
    from django.db import connection

    cluster = _cluster()
    db = connection.settings_dict
    env = _environment(tmp_path)
    env.update(DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", CONN_MAX_AGE="60")
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "sps.wsgi", "--workers", "2",
                               "--bind", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    with _serving(server, port, log) as url:
        yield url, cluster


def test_a_postgresql_restart_under_load_fails_only_requests_made_while_it_is_down(gunicorn_on_the_test_database,
                                                                                  gp_a):
    from django.test import Client

    from referrals.models import Referral
    from referrals.tests.factories import PatientFactory
    from sps.tests.signin import sign_in

    url, (bindir, data) = gunicorn_on_the_test_database
    patients = iter([PatientFactory(practice=gp_a.practice, consent_referral=False).pk for _ in range(400)])
    session = requests.Session()
    session.cookies.update({name: morsel.value for name, morsel in sign_in(Client(), gp_a).cookies.items()})
    token = _csrf_token(session, f"{url}/referrals/patients/{next(patients)}/refer/")
    answers = []  # (started, finished, status or the connection's error)
    stop = threading.Event()

    def refer() -> None:
        while not stop.is_set() and (pk := next(patients, None)):
            started = time.monotonic()
            try:
                status = session.post(f"{url}/referrals/patients/{pk}/refer/", allow_redirects=False, timeout=30,
                                      data={**REFERRAL, "csrfmiddlewaretoken": token}).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            answers.append((started, time.monotonic(), status))

    load = [threading.Thread(target=refer) for _ in range(2)]
    for thread in load:
        thread.start()
    time.sleep(1.5)
    down = time.monotonic()
    _restart(bindir, data)
    up = time.monotonic()
    time.sleep(2)
    stop.set()
    for thread in load:
        thread.join()
    before = [status for started, finished, status in answers if finished < down]
    after = [status for started, finished, status in answers if started > up]
    assert before and set(before) == {302}
    assert len(after) >= 4 and set(after) == {302}, after  # none afterwards

    # Restarted while every worker is idle: each kept connection is dead, found so before it is used.
    _restart(bindir, data)
    stop.clear()
    answers.clear()
    refer_next = threading.Thread(target=refer)
    refer_next.start()
    time.sleep(1)
    stop.set()
    refer_next.join()
    assert len(answers) >= 4 and {status for *_, status in answers} == {302}, answers

    # Nothing half-written: each referral made has its history and its patient's consent with it.
    made = Referral.objects.filter(patient__practice=gp_a.practice)
    assert made.count() >= before.count(302) + after.count(302) + len(answers)
    for referral in made.select_related("patient"):
        assert referral.history.count() == 1 and referral.patient.consent_referral
