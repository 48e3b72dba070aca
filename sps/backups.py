"""Backups of the PostgreSQL database with pg_dump and pg_restore (`make backup`, `make restore`).

The connection comes from Django's DATABASES (so from DATABASE_URL). The host, port, user and database go to the
client programs in their environment (PGHOST and so on) and the password only ever as PGPASSWORD there: never on
a command line, where any user of the machine could read it in the process list.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

BACKUP_DIR = Path(__file__).resolve().parent.parent / "var" / "backups"


def client_program(name: str) -> str | None:
    """The newest pg_dump or pg_restore installed, found as .ci/with-postgres finds the server: a dump made by an
    older pg_dump than the server's is refused, so the Debian versioned folders come first, newest first."""
    versioned = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda path: _version(path.parent.parent.name), reverse=True)
    for path in versioned:
        if os.access(path, os.X_OK):
            return str(path)
    return shutil.which(name)


def _version(folder: str) -> tuple[int, ...]:
    return tuple(int(part) for part in folder.split(".") if part.isdigit())


def require_postgresql(settings_dict: dict) -> None:
    if "postgresql" not in settings_dict["ENGINE"]:
        raise CommandError("Backups need PostgreSQL, but DATABASE_URL points at "
                           f"{settings_dict['ENGINE'].rsplit('.', 1)[-1]} ({settings_dict['NAME']}). The SQLite "
                           "default is for trying the service out: copy its file instead, with the server stopped.")


def client_environment(settings_dict: dict) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: where to connect and how (Django's own mapping of the SSL and
    password-file options), the password as PGPASSWORD."""
    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(extra or {})}
    for variable, key in [("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")]:
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def require_backup_file(path: Path) -> None:
    if not path.is_file():
        raise CommandError(f"No backup file at {path}: give the path of a file made by `make backup` "
                           "(make restore BACKUP=var/backups/sps-....dump).")


def default_backup_path() -> Path:
    return BACKUP_DIR / f"sps-{timezone.localtime():%Y-%m-%d-%H%M%S}.dump"


def backup(settings_dict: dict, path: Path) -> Path:
    """Dump the database to `path` (pg_dump's custom format), readable by its owner only, in a folder only its
    owner can enter. An existing file is never overwritten. The dump is written under another name and renamed
    when complete, so a failed or killed dump never leaves a file that looks like a backup."""
    require_postgresql(settings_dict)
    pg_dump = _program("pg_dump")
    if path.exists():
        raise CommandError(f"{path} exists already: choose another name (BACKUP=path).")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent == BACKUP_DIR:
        BACKUP_DIR.chmod(0o700)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a dump that was killed
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        result = subprocess.run([pg_dump, "--format=custom", "--no-password"], stdout=out, stderr=subprocess.PIPE,
                                env=client_environment(settings_dict))
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise CommandError(f"pg_dump failed, no backup written: {result.stderr.decode(errors='replace').strip()}")
    partial.rename(path)
    return path


def delete_old_backups(folder: Path, keep_days: int) -> list[Path]:
    """Delete the backups (sps-*.dump) in `folder` last written more than `keep_days` days ago."""
    cutoff = time.time() - keep_days * 24 * 60 * 60
    old = sorted(path for path in folder.glob("sps-*.dump") if path.stat().st_mtime < cutoff)
    for path in old:
        path.unlink()
    return old


def restore(settings_dict: dict, path: Path) -> None:
    """Replace the database's contents with the backup at `path`: each object in the backup is dropped if it
    exists and made again, owned by the connecting user. One transaction, stopping at the first error, so a
    failed restore leaves the database as it was."""
    require_postgresql(settings_dict)
    require_backup_file(path)
    pg_restore = _program("pg_restore")
    result = subprocess.run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                             "--exit-on-error", "--no-password", f"--dbname={settings_dict['NAME']}", str(path)],
                            capture_output=True, env=client_environment(settings_dict))
    if result.returncode != 0:
        raise CommandError("pg_restore failed and the database is unchanged: "
                           f"{result.stderr.decode(errors='replace').strip()}")


def _program(name: str) -> str:
    program = client_program(name)
    if program is None:
        raise CommandError(f"{name} not found: install the PostgreSQL client programs (Debian: apt-get install "
                           "postgresql-client, the same major version as the server or newer).")
    return program
