import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.tasks import forget_finished_runs


class Command(BaseCommand):
    help = ("Delete uploaded import files that were checked but never confirmed (left an hour or more), and the "
            "imports' results a day after they ended. Run it every few minutes from cron or a systemd timer; "
            "confirmed and refused files are deleted at once.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=60)

    def handle(self, *args, **options):
        cutoff = time.time() - options["older_than_minutes"] * 60
        folder = Path(settings.IMPORT_DIR)
        old = [path for path in folder.glob("*.csv") if path.stat().st_mtime < cutoff] if folder.exists() else []
        for path in old:
            path.unlink(missing_ok=True)
        self.stdout.write(f"Deleted {len(old)} abandoned upload{'s' if len(old) != 1 else ''}.")
        runs = forget_finished_runs()
        self.stdout.write(f"Forgot {runs} finished import{'s' if runs != 1 else ''} of over a day ago.")
