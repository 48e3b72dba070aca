"""Where uploaded files wait: IMPORT_DIR, a folder the web servers and the task worker share (docs/imports.md).

`TOKEN.csv` is an upload waiting for its check or for the manager to confirm it (deleted by `purge_imports` an hour
after it was left); `TOKEN.queued` a confirmed upload waiting for the worker (renamed, so that the purge leaves it
alone however long the queue); `TOKEN.rejects.csv` the rows an import set aside, for the manager to download (purged
with the uploads). Each is readable by this service's user only."""

import os
from pathlib import Path

from django.conf import settings


def upload_path(token: str) -> Path:
    return Path(settings.IMPORT_DIR) / f"{token}.csv"


def queued_path(token: str) -> Path:
    return Path(settings.IMPORT_DIR) / f"{token}.queued"


def rejects_path(token: str) -> Path:
    return Path(settings.IMPORT_DIR) / f"{token}.rejects.csv"


def private_file(path: Path, mode: str = "wb"):
    """A new file readable by this service's user only (mode 0600, in a 0700 folder)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), mode,
                     **({} if "b" in mode else {"encoding": "utf-8", "newline": ""}))


def save_upload(upload, path: Path) -> None:
    """Written in chunks from wherever Django holds the upload, so that a big file is never all in memory."""
    with private_file(path) as out:
        for chunk in upload.chunks():
            out.write(chunk)


def count_rows(path: Path) -> int:
    """About how many rows the file holds (its lines less the header; a quoted cell over two lines counts twice):
    what the progress is shown against. Reads 1 MB at a time: a second or so for the largest upload."""
    lines, last = 0, b"\n"
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(lines + (last != b"\n") - 1, 0)
