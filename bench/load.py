"""The load benchmark of `make bench` (issue 13): the five roles' journeys (bench/locustfile.py) run by locust,
headless, against gunicorn on 127.0.0.1, then a table per page: requests, requests a second, p50/p95/p99 latency
and errors.

    .venv/bin/python bench/load.py --users 20 --duration 60s [--markdown PATH]

DATABASE_URL must point at a migrated database loaded by `manage.py generate_scale_data`, whose logins it uses
(the manager's second factor too: the generator sets up an authenticator app, whose key this reads). The server
runs with production settings (DEBUG off, whitenoise's hashed static files: collectstatic first when they are
missing or older than the sources), except that it is reached over plain HTTP on 127.0.0.1, so HTTPS redirects
and secure-only cookies are off. It exits 1 when gunicorn does not start (or locust gives no figures), 2 when
the database is not ready; failed requests are counted in the table, not in the exit code.
"""

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
# The pages the issue sets targets for, first and in this order; every other page the journeys open follows.
HEADLINE = ["caseload", "referral page", "directory", "provider inbox", "manager list", "overview"]
# Plain HTTP on 127.0.0.1 (no proxy ending HTTPS in front); everything else as in production.
SERVER_ENV = {"DEBUG": "off", "SECURE_SSL_REDIRECT": "off", "SECURE_COOKIES": "off", "SECURE_HSTS_SECONDS": "0"}
# What production must set but a benchmark need not care about, unless the environment says otherwise.
DEFAULT_ENV = {"SECRET_KEY": "bench-only-not-secret", "EMAIL_URL": "consolemail://",
               "SITE_URL": "http://127.0.0.1:8000"}
LOGINS_PER_ROLE = 50
STARTUP_SECONDS = 60
SIGN_IN_SECONDS = 180  # at most, for everyone to sign in before the figures start


@dataclass
class Row:
    page: str
    requests: int
    per_second: float
    p50: float
    p95: float
    p99: float
    errors: int


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if not os.environ.get("DATABASE_URL"):
        print("Set DATABASE_URL to a migrated database loaded by manage.py generate_scale_data.", file=sys.stderr)
        return 2
    os.environ.update({**DEFAULT_ENV, **os.environ, **SERVER_ENV})
    try:
        logins, referrals = prepare()
    except RuntimeError as problem:
        print(problem, file=sys.stderr)
        return 2
    workers = args.workers or 2 * cpu_count() + 1
    with tempfile.TemporaryDirectory(prefix="sps-load.") as folder:
        folder = Path(folder)
        (folder / "logins.json").write_text(json.dumps(logins))
        port = free_port()
        print(f"gunicorn with {workers} workers on 127.0.0.1:{port}; locust: {args.users} users for {args.duration} "
              f"({referrals:,} referrals in the database)", flush=True)
        server = start_gunicorn(port, workers, folder / "gunicorn.log")
        try:
            if not wait_until_up(server, port):
                print("gunicorn did not start:\n" + tail(folder / "gunicorn.log"), file=sys.stderr)
                return 1
            run_locust(args, port, folder)
        finally:
            stop(server)
        stats = folder / "locust.json"
        if not stats.exists():
            print("locust wrote no figures:\n" + tail(folder / "locust.log"), file=sys.stderr)
            return 1
        rows, total = read_stats(stats, folder / "window.json")
        failures = read_failures(folder / "locust_failures.csv")
        exceptions = read_exceptions(folder / "locust_exceptions.csv")
        if args.keep:
            shutil.copytree(folder, args.keep, dirs_exist_ok=True)
    caption = (f"{args.users} users for {args.duration} (a pause of {args.wait.replace(',', '-')} s between pages; "
               "figures from when everyone had signed in and seen their first page), "
               f"gunicorn with {workers} workers, {referrals:,} referrals, {cpu_count()} cores, "
               f"{dt.datetime.now(ZoneInfo('Europe/London')):%d/%m/%Y}")
    print()
    print(format_table(rows, total))
    print(caption)
    for line in failures + exceptions:
        print(line)
    if args.markdown:
        Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
        Path(args.markdown).write_text(markdown_table(rows, total, caption))
        print(f"Written to {args.markdown}")
    return 0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20, help="Simulated people at once (default 20).")
    parser.add_argument("--duration", default="60s", type=_duration,
                        help="How long the figures are taken for, once everyone has signed in: 60s, 5m (default 60s).")
    parser.add_argument("--spawn-rate", type=float, default=5, help="People starting a second (default 5).")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 per core plus 1).")
    parser.add_argument("--wait", default="1,3", help="Seconds each person pauses between pages, min,max (1,3).")
    parser.add_argument("--stop-timeout", type=int, default=30,
                        help="Seconds the pages still loading at the end may take to finish (default 30).")
    parser.add_argument("--markdown", help="Also write the table as Markdown to this file.")
    parser.add_argument("--keep", help="Keep gunicorn's and locust's logs and locust's CSV files in this folder.")
    return parser.parse_args(argv)


def _duration(text: str) -> str:
    timespan(text)  # refused now rather than after the server has started
    return text


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Before the run: the logins, the static files -----------------------------------------------------------------


def prepare() -> tuple[dict, int]:
    """Read the logins from the database and collect the static files if need be; the number of referrals."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sps.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from referrals.models import Referral

    try:
        logins = read_logins()
        referrals = Referral.objects.count()
        logins["period"] = keep_figures()
    finally:
        connection.close()
    if static_files_stale():
        print("Collecting the static files (collectstatic)...", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
    return logins, referrals


def keep_figures() -> str:
    """What a service that has been running a while keeps: the Overview, and each report's views of the year the
    commissioner's page opens on. Otherwise the run measures their first working out (half a minute each at
    national size, in the request of whoever opens one first), not the pages; docs/benchmarks.md measures the pages
    while the task worker works a year out again. Returns the year's period key, for the commissioner's journey."""
    from reports.commissioner import keep_the_opening_views
    from reports.overview import refresh_overview
    from sps.models import Role, User

    print("Working out the Overview and the commissioner's views of this year...", flush=True)
    refresh_overview.call()
    return keep_the_opening_views(User.objects.filter(role=Role.COMMISSIONER, is_active=True).order_by("pk").first())


def read_logins() -> dict:
    """A sample of each role's logins, the shared password, and the authenticator keys of those who need one."""
    from django.conf import settings
    from django.db.utils import DatabaseError
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sps.demo import FAMILY
    from sps.models import Role, User

    try:
        users = {role: list(User.objects.filter(role=role, is_active=True).order_by("pk")
                            .values_list("username", flat=True)[:LOGINS_PER_ROLE]) for role in Role.values}
    except DatabaseError as error:
        raise RuntimeError(f"The database is not ready (migrate, then generate_scale_data): {error}") from error
    if missing := [role for role, names in users.items() if not names]:
        raise RuntimeError(f"No login for {', '.join(missing)}: load the data with manage.py generate_scale_data.")
    keys = {}
    everyone = [name for names in users.values() for name in names]
    for device in TOTPDevice.objects.filter(user__username__in=everyone, confirmed=True) \
            .select_related("user").order_by("pk"):
        keys.setdefault(device.user.username, device.key)
    if unset := [name for name in users[Role.MANAGER] if name not in keys]:
        raise RuntimeError(f"{', '.join(unset)} must give a second factor but has no authenticator app set up: "
                           "load the data with manage.py generate_scale_data, which sets one up.")
    return {"password": settings.DEMO_PASSWORD, "users": users, "totp_keys": keys, "names": FAMILY}


def static_files_stale() -> bool:
    """True when collectstatic has not run, or a static file changed since: with DEBUG off every page needs the
    manifest of hashed names."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(Path(storage.path(path)).stat().st_mtime > built
               for finder in finders.get_finders() for path, storage in finder.list([]))


# The server and the load --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    """gunicorn as docs/deployment.md runs it (its timeout too), without the access log, and without gunicorn's
    control socket, whose one path per machine another gunicorn may be using."""
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "sps.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "120", "--no-control-socket"],
            cwd=ROOT, env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group, so that `stop` can end its workers too


def wait_until_up(server: subprocess.Popen, port: int) -> bool:
    """True once the sign-in page answers; False if gunicorn stops or STARTUP_SECONDS pass first."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    return False


def run_locust(args: argparse.Namespace, port: int, folder: Path) -> None:
    """locust, headless, writing its figures to folder/locust.json and the failures to folder/locust_*.csv. Its own
    exit code says only whether any request failed, which the table shows."""
    seconds = timespan(args.duration)
    env = {**os.environ, "SPS_BENCH_LOGINS": str(folder / "logins.json"), "SPS_BENCH_WAIT": args.wait,
           "SPS_BENCH_WINDOW": str(folder / "window.json"), "SPS_BENCH_SECONDS": str(seconds)}
    with (folder / "locust.log").open("w") as output:
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", f"http://127.0.0.1:{port}",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             # The locustfile stops the run `seconds` after everyone has signed in; this only bounds it.
             "--run-time", f"{seconds + SIGN_IN_SECONDS}s",
             "--stop-timeout", str(args.stop_timeout), "--csv", str(folder / "locust"), "--only-summary",
             "--json-file", str(folder / "locust")],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False)


def timespan(text: str) -> int:
    """Seconds in a duration written as locust takes it: 90, 90s, 5m, 1h30m."""
    found = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not text.strip() or not found:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: write 60s, 5m or 1h30m.")
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def stop(server: subprocess.Popen, grace: float = 30) -> None:
    """Stop gunicorn (it finishes the requests under way), killing it and its workers if it takes over `grace`
    seconds: a worker left in a long request outlived its killed master and took a core for half an hour."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


# The figures ---------------------------------------------------------------------------------------------------


def percentile(times: dict[int, int], count: int, share: float) -> int:
    """The response time within which `share` of the requests finished, from locust's histogram of rounded times
    (its own calculation, so the figures match what locust prints)."""
    wanted, done = int(count * share), 0
    for time_ms in sorted(times, reverse=True):
        done += times[time_ms]
        if count - done <= wanted:
            return time_ms
    return 0


def _row(page: str, entries: list[dict], seconds: float) -> Row:
    times = {}
    for entry in entries:
        for time_ms, n in entry["response_times"].items():
            times[int(time_ms)] = times.get(int(time_ms), 0) + n
    count = sum(entry["num_requests"] for entry in entries)
    return Row(page=page, requests=count, per_second=count / seconds, p50=percentile(times, count, 0.5),
               p95=percentile(times, count, 0.95), p99=percentile(times, count, 0.99),
               errors=sum(entry["num_failures"] for entry in entries))


def read_stats(path: Path, window: Path | None = None) -> tuple[list[Row], Row]:
    """locust's --json-file as a row per page (the headline pages first, in their order) and the totals. Its CSV
    files would miss the requests that finish while locust stops (the slowest), the JSON file has them. Requests a
    second are over the `window` the locustfile writes (from everyone signed in to the end of the run), else from
    the first page's start to the last request."""
    entries = json.loads(Path(path).read_text())
    began = min((entry["start_time"] for entry in entries), default=0)
    ended = max((entry["last_request_timestamp"] or 0 for entry in entries), default=0)
    if window and Path(window).exists():
        times = json.loads(Path(window).read_text())
        began, ended = times.get("from", began), times["to"]
    seconds = max(ended - began, 1e-9)
    by_page = {}
    for entry in entries:
        by_page.setdefault(entry["name"], []).append(entry)
    rows = {page: _row(page, found, seconds) for page, found in by_page.items()}
    headline = [rows.pop(page, Row(page, 0, 0, 0, 0, 0, 0)) for page in HEADLINE]
    return headline + [rows[page] for page in sorted(rows)], _row("Total", entries, seconds)


def read_failures(path: Path, most: int = 10) -> list[str]:
    """The commonest failed requests in locust's _failures.csv, one line each."""
    return [f"  {line['Occurrences']} x {line['Method']} {line['Name']}: {line['Error']}"
            for line in _commonest(path, "Occurrences", most)]


def read_exceptions(path: Path, most: int = 10) -> list[str]:
    """The commonest errors in the journeys themselves (locust's _exceptions.csv): no request is counted for them."""
    return [f"  {line['Count']} x an error in bench/locustfile.py: {line['Message']}"
            for line in _commonest(path, "Count", most)]


def _commonest(path: Path, count: str, most: int) -> list[dict]:
    if not Path(path).exists():
        return []
    with Path(path).open(newline="") as file:
        return sorted(csv.DictReader(file), key=lambda line: -int(line[count] or 0))[:most]


COLUMNS = ["page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]


def _cells(row: Row) -> list[str]:
    return [row.page, f"{row.requests:,}", f"{row.per_second:.1f}", f"{row.p50:,.0f}", f"{row.p95:,.0f}",
            f"{row.p99:,.0f}", f"{row.errors:,}"]


def format_table(rows: list[Row], total: Row) -> str:
    """The table as aligned plain text, the totals last."""
    lines = [COLUMNS] + [_cells(row) for row in [*rows, total]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    text = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                      for i, (cell, width) in enumerate(zip(line, widths, strict=True))) for line in lines]
    rule = "-" * len(text[0])
    return "\n".join([text[0], rule, *text[1:-1], rule, text[-1]])


def markdown_table(rows: list[Row], total: Row, caption: str) -> str:
    lines = [f"| {' | '.join(COLUMNS)} |", "| --- |" + " ---: |" * (len(COLUMNS) - 1)]
    lines += [f"| {' | '.join(_cells(row))} |" for row in rows]
    lines.append(f"| {' | '.join(f'**{cell}**' for cell in _cells(total))} |")
    return "\n".join(lines) + f"\n\n{caption}\n"


if __name__ == "__main__":
    sys.exit(main())
