from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from sps import backups


class Command(BaseCommand):
    help = ("Back up the PostgreSQL database of DATABASE_URL with pg_dump (custom format) to a file readable by its "
            "owner only: by default var/backups/sps-<date-time>.dump. `make backup`; restore with `make restore`.")

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="The file to write (default var/backups/sps-<date-time>.dump).")
        parser.add_argument("--keep-days", type=int, default=None,
                            help="After a successful backup, delete the backups (sps-*.dump) in the same folder "
                                 "older than this many days.")

    def handle(self, *args, **options):
        if options["keep_days"] is not None and options["keep_days"] < 1:
            raise CommandError("--keep-days must be 1 or more (a backup younger than a day is never deleted).")
        path = Path(options["path"]) if options["path"] else backups.default_backup_path()
        backups.backup(connections[DEFAULT_DB_ALIAS].settings_dict, path)
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
        if options["keep_days"] is not None:
            old = backups.delete_old_backups(path.parent, options["keep_days"])
            self.stdout.write(f"Deleted {len(old)} backup{'s' if len(old) != 1 else ''} older than "
                              f"{options['keep_days']} days.")
