"""Reports from a streaming replica (issue 13, REPORTS_DATABASE_URL; sps/db_router.py).

The router on its own first: which database a read or a write goes to, with and without the flag and the "reports"
database. Then the pages and the command that read inside `reading_reports()`. Then the real thing: a PostgreSQL
primary and a streaming replica of it (`pg_basebackup -R`) started on 127.0.0.1 by the test itself, the
application writing to the primary and reading its reports from the replica, proved by stopping the primary (the
reports still answer, with the same figures) and by pausing the replica's replay (the pages show the replica's
figures, not the primary's newer ones)."""

import contextlib
import datetime as dt
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.timezone import localdate

from reports import catalogue as catalogue_module
from reports import overview as overview_module
from sps.db_router import ReportsRouter, reading_reports, reports_alias

BASE_DIR = Path(__file__).resolve().parents[2]
router = ReportsRouter()


@pytest.fixture
def with_replica(monkeypatch):
    """The "reports" database configured, as REPORTS_DATABASE_URL would configure it (nothing connects to it)."""
    monkeypatch.setitem(settings.DATABASES, "reports", {**settings.DATABASES["default"], "HOST": "replica.invalid"})


# The router ------------------------------------------------------------------------------------------------------


def test_without_a_replica_everything_reads_and_writes_the_primary():
    assert "reports" not in settings.DATABASES  # the tests run as `make test` does: REPORTS_DATABASE_URL unset
    for flag in (contextlib.nullcontext(), reading_reports()):
        with flag:
            assert reports_alias() == "default"
            assert router.db_for_read(None) is None  # None: Django's own default
            assert router.db_for_write(None) == "default"


def test_with_a_replica_only_reads_inside_reading_reports_go_to_it(with_replica):
    assert (reports_alias(), router.db_for_read(None)) == ("default", None)
    with reading_reports():
        assert (reports_alias(), router.db_for_read(None)) == ("reports", "reports")
        with reading_reports():
            assert reports_alias() == "reports"
        assert reports_alias() == "reports"  # leaving an inner block does not end the outer one
        assert router.db_for_write(None) == "default"  # a write inside a report still goes to the primary
    assert (reports_alias(), router.db_for_read(None)) == ("default", None)


def test_the_flag_ends_with_its_block_even_when_the_report_fails(with_replica):
    with pytest.raises(RuntimeError), reading_reports():
        raise RuntimeError("the report failed")
    assert reports_alias() == "default"


def test_one_threads_report_does_not_send_another_threads_reads_to_the_replica(with_replica):
    inside, seen = threading.Event(), []
    other = threading.Thread(target=lambda: (inside.wait(5), seen.append(reports_alias())))
    with reading_reports():
        other.start()
        inside.set()
        other.join()
        assert reports_alias() == "reports"
    assert seen == ["default"]


def test_only_the_primary_is_ever_migrated():
    assert router.allow_migrate("default", "referrals")
    assert not router.allow_migrate("reports", "referrals")
    assert router.allow_relation(object(), object())


def _settings_in_a_new_process(tmp_path, **environment) -> dict:
    empty = tmp_path / "empty.env"
    empty.touch()
    env = {key: value for key, value in os.environ.items() if key != "REPORTS_DATABASE_URL"}
    env.update(DEBUG="off", SECRET_KEY="test-only-" + "k7Qz" * 12, EMAIL_URL="consolemail://",
               SITE_URL="https://sps.example.nhs.uk", DATABASE_URL="postgres://sps@10.0.0.1:5432/sps",
               ENV_FILE=str(empty), DJANGO_SETTINGS_MODULE="sps.settings", **environment)
    code = ("import django, json; django.setup(); from django.conf import settings; print(json.dumps("
            "{'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS}, default=str))")
    started = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                             timeout=60)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


def test_reports_database_url_adds_the_replica_that_the_tests_mirror_to_the_test_database(tmp_path):
    found = _settings_in_a_new_process(tmp_path, REPORTS_DATABASE_URL="postgres://reader@10.0.0.2:5432/sps")
    replica = found["databases"]["reports"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("10.0.0.2", "reader", "sps")
    assert replica["TEST"]["MIRROR"] == "default"
    assert (replica["CONN_MAX_AGE"], replica["CONN_HEALTH_CHECKS"]) == (60, True)
    assert found["routers"] == ["sps.db_router.ReportsRouter"]
    assert list(_settings_in_a_new_process(tmp_path)["databases"]) == ["default"]  # unset: one database


# What reads inside reading_reports() -----------------------------------------------------------------------------


@pytest.fixture
def alias_seen(monkeypatch):
    """`alias_seen(target, attribute)` spies on a report function: the list it returns gets the database each call
    would read from if there were a replica. The "reports" database is configured only while the spy looks, so
    every query still reads the test database."""
    seen = []

    def spy_on(target, attribute):
        report = target[attribute] if isinstance(target, dict) else getattr(target, attribute)

        def spy(*args, **kwargs):
            with pytest.MonkeyPatch.context() as patch:
                patch.setitem(settings.DATABASES, "reports", {**settings.DATABASES["default"], "HOST": "replica"})
                seen.append(reports_alias())
            return report(*args, **kwargs)

        (monkeypatch.setitem if isinstance(target, dict) else monkeypatch.setattr)(target, attribute, spy)
        return seen

    return spy_on


@pytest.mark.parametrize("person", ["manager", "commissioner"])
def test_the_evaluation_page_and_its_downloads_read_from_the_replica(request, client_for, person, alias_seen):
    seen = alias_seen(catalogue_module.REPORTS, "process")
    client = client_for(request.getfixturevalue(person))
    period = {"period": "custom", "start": "2024-04-01", "end": "2025-03-31"} if person == "manager" else {}
    assert client.get(reverse("reports:evaluation"), {**period, "report": "process"}).status_code == 200
    download = client.get(reverse("reports:evaluation"), {**period, "report": "process", "download": "monthly"})
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert seen and set(seen) == {"reports"}  # the commissioner's page runs the report for every view it discloses


def test_the_overview_reads_from_the_replica(client_for, manager, alias_seen):
    seen = alias_seen(overview_module, "glance")  # the Overview's figures, this year and last
    assert client_for(manager).get(reverse("reports:overview")).status_code == 200
    assert seen == ["reports", "reports"]


def test_the_report_command_reads_from_the_replica(db, alias_seen, capsys):
    seen = alias_seen(catalogue_module.REPORTS, "process")
    call_command("report", "process", "--from", "2024-04-01", "--to", "2025-03-31")
    assert json.loads(capsys.readouterr().out)["report"] == "process"
    assert seen == ["reports"]


# A real primary and streaming replica ------------------------------------------------------------------------------


def _server_binaries() -> str | None:
    """The newest PostgreSQL server's bin folder, found as .ci/with-postgres finds it."""
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                     if p.parent.name.isdigit() else 0, reverse=True)
    for folder in folders:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return str(folder)
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Replicated:
    bindir: str
    folder: Path
    primary_port: int
    replica_port: int
    environment: dict

    def run_as_postgres(self, program: str, *args: str) -> None:
        # initdb and postgres refuse to run as root: as .ci/with-postgres does, run them as the postgres user.
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, f"{self.bindir}/{program}", *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}{self._logs()}"

    def _logs(self) -> str:
        return "".join(path.read_text() for path in self.folder.glob("*.log"))

    def start(self, name: str, port: int, *options: str) -> None:
        self.run_as_postgres("pg_ctl", "-D", str(self.folder / name), "-l", str(self.folder / f"{name}.log"), "-w",
                             "start", "-o", f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                                            f"-c fsync=off {' '.join(options)}")

    def stop(self, name: str, mode: str = "fast") -> None:
        self.run_as_postgres("pg_ctl", "-D", str(self.folder / name), "-m", mode, "-w", "stop")

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/postgres"

    def query(self, port: int, sql: str):
        with contextlib.closing(psycopg2.connect(host="127.0.0.1", port=port, user="postgres",
                                                 dbname="postgres")) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0]

    def manage(self, *args: str, replica: bool = True) -> subprocess.CompletedProcess:
        """manage.py with DATABASE_URL the primary and, unless `replica` is false, REPORTS_DATABASE_URL the
        replica."""
        # The Overview worked out afresh on every visit (its figures are otherwise kept for ten minutes), so that
        # each visit shows what the replica has at that moment.
        env = {**self.environment, "DATABASE_URL": self.url(self.primary_port), "OVERVIEW_MAX_AGE": "0"}
        if replica:
            env["REPORTS_DATABASE_URL"] = self.url(self.replica_port)
        return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                              text=True, timeout=120)

    def succeeds(self, *args: str, replica: bool = True) -> str:
        done = self.manage(*args, replica=replica)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def wait_until_replayed(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        written = self.query(self.primary_port, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 30
        while not self.query(self.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"):
            assert time.monotonic() < deadline, f"the replica has not replayed up to {written}: {self._logs()}"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """A primary with the demo loaded through the application, and a streaming replica of it, each on a free port
    of 127.0.0.1 in a folder of its own; both stopped and deleted afterwards, whatever happens."""
    if os.environ.get("DATABASE_URL", "").startswith("sqlite"):
        pytest.skip("the tests run on SQLite: a streaming replica is for PostgreSQL (.ci/with-postgres)")
    bindir = _server_binaries()
    if not bindir or not Path(bindir, "pg_basebackup").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: "
                    "apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="sps-replica."))
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    empty = tmp_path_factory.mktemp("settings") / "empty.env"
    empty.touch()
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"DATABASE_URL", "REPORTS_DATABASE_URL", "ENV_FILE", "CONN_MAX_AGE"}}
    environment.update(ENV_FILE=str(empty), DJANGO_SETTINGS_MODULE="sps.settings")
    cluster = Replicated(bindir, folder, _free_port(), _free_port(), environment)
    try:
        # initdb's pg_hba.conf lets any local user connect, replication included, with --auth=trust.
        cluster.run_as_postgres("initdb", "-D", str(folder / "primary"), "-U", "postgres", "--auth=trust",
                                "-E", "UTF8", "--locale=C.UTF-8")
        cluster.start("primary", cluster.primary_port, "-c wal_level=replica -c max_wal_senders=4")
        cluster.run_as_postgres("pg_basebackup", "-h", "127.0.0.1", "-p", str(cluster.primary_port), "-U", "postgres",
                                "-D", str(folder / "replica"), "-R", "-X", "stream", "-c", "fast")
        cluster.start("replica", cluster.replica_port)
        assert cluster.query(cluster.replica_port, "SELECT pg_is_in_recovery()")
        cluster.succeeds("migrate", "-v0")
        cluster.succeeds("seed_demo", "--force", "--referrals", "200", "--practices", "2")
        yield cluster
    finally:
        for name in ("replica", "primary"):
            if (folder / name / "postmaster.pid").exists():
                with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                    cluster.stop(name, "immediate")
        shutil.rmtree(folder, ignore_errors=True)


def test_the_migration_and_the_demo_went_to_the_primary_and_streamed_to_the_replica(replicated):
    replicated.wait_until_replayed()
    count = "SELECT count(*) FROM referrals_referral"
    assert replicated.query(replicated.replica_port, count) == replicated.query(replicated.primary_port, count) > 0
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):  # the replica takes no writes at all
        replicated.query(replicated.replica_port, "CREATE TABLE nothing (id int)")


# Signs the demo's manager in (second factor included) and prints the figures the evaluation page and the
# Overview show for referrals in, over the last year and this financial year so far.
PAGE_FIGURES = """
import datetime as dt, json
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils.timezone import localdate
from reports.presentation import GLANCE_LABELS
from sps.models import Role, User
from sps.tests.signin import sign_in

setup_test_environment()
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
client = sign_in(Client(), User.objects.filter(role=Role.MANAGER).order_by("pk").first())
end = localdate()
page = client.get("/reports/evaluation/", {"period": "custom", "start": (end - dt.timedelta(days=364)).isoformat(),
                                           "end": end.isoformat(), "report": "process"})
overview = client.get("/reports/overview/")
assert (page.status_code, overview.status_code) == (200, 200), (page.status_code, overview.status_code)
rows = {label: this for label, this, last in overview.context["rows"]}
print(json.dumps([page.context["result"]["referrals_in"], rows[GLANCE_LABELS["referrals_in"]]]))
"""
NEW_REFERRAL = """
from django.utils.timezone import localdate
from referrals.tests.factories import ReferralFactory
from sps.models import Practice
ReferralFactory(patient__practice=Practice.objects.order_by("pk").first(), referral_date=localdate(), status="active")
"""


def _printed(output: str):
    """What a script printed last, as JSON (anything printed before it, a warning, is not its answer)."""
    return json.loads(output.splitlines()[-1])


def _page_figures(cluster: Replicated, *, replica: bool, new_referral_first: bool = False) -> list:
    script = NEW_REFERRAL + PAGE_FIGURES if new_referral_first else PAGE_FIGURES
    return _printed(cluster.succeeds("shell", "-c", script, replica=replica))


def test_the_pages_show_the_replicas_figures_and_save_to_the_primary(replicated):
    """With the replica's replay paused, a referral made on the primary is not yet in the pages' figures; every
    other read (the session, the person, their second factor) and every write (the session, the sign-in) is the
    primary's, or the pages would not open at all."""
    replicated.wait_until_replayed()
    before = _page_figures(replicated, replica=True)
    replicated.query(replicated.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + 10
        while replicated.query(replicated.replica_port, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        on_the_primary = _page_figures(replicated, replica=False, new_referral_first=True)
        assert on_the_primary[0] == before[0] + 1
        assert _page_figures(replicated, replica=True) == before  # the replica's: not replayed yet
        assert on_the_primary[1] != before[1]  # the Overview's count, formatted ("1,234")
    finally:
        replicated.query(replicated.replica_port, "SELECT pg_wal_replay_resume()")
    replicated.wait_until_replayed()
    assert _page_figures(replicated, replica=True) == on_the_primary  # caught up


# A write made inside reading_reports(), as the access log or a session save could be: it must go to the primary.
WRITE_INSIDE_A_REPORT = """
from sps.db_router import reading_reports
from sps.models import Practice
with reading_reports():
    Practice.objects.create(ods_code="Y99999", name="Written during a report")
"""
PERIOD = ["--from", (localdate() - dt.timedelta(days=364)).isoformat(), "--to", localdate().isoformat()]
# Every report, as `manage.py report` prints it, in one process (each process takes seconds to start).
EVERY_REPORT = f"""
import io, json
from django.core.management import call_command
from reports.catalogue import REPORTS
printed = {{}}
for name in REPORTS:
    call_command("report", name, *{PERIOD!r}, stdout=(out := io.StringIO()))
    printed[name] = out.getvalue()
print(json.dumps(printed))
"""


def test_the_reports_answer_from_the_replica_with_the_primary_stopped(replicated):
    replicated.wait_until_replayed()
    from_the_primary = _printed(replicated.succeeds("shell", "-c", EVERY_REPORT, replica=False))
    assert list(from_the_primary) == list(catalogue_module.REPORTS)
    assert json.loads(from_the_primary["process"])["referrals_in"] > 0
    replicated.stop("primary")
    try:
        assert _printed(replicated.succeeds("shell", "-c", EVERY_REPORT)) == from_the_primary
        assert replicated.succeeds("report", "process", *PERIOD) == from_the_primary["process"]
        # A write never goes to the replica, even inside a report: it fails trying the primary, which is down.
        write = replicated.manage("shell", "-c", WRITE_INSIDE_A_REPORT)
        assert write.returncode != 0
        assert f"port {replicated.primary_port} failed: Connection refused" in write.stderr, write.stderr
        assert "read-only" not in write.stderr
    finally:
        replicated.start("primary", replicated.primary_port)
