from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from sps import backups


class Command(BaseCommand):
    help = ("Restore a backup made by `make backup` into the PostgreSQL database of DATABASE_URL, replacing what "
            "is there (pg_restore --clean --if-exists --no-owner, in one transaction). Stop the web servers and "
            "the timers first. `make restore BACKUP=path`.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file to restore.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation (for scripts).")

    def handle(self, *args, **options):
        if not options["path"]:
            raise CommandError("Say which backup to restore: make restore BACKUP=var/backups/sps-....dump")
        path = Path(options["path"])
        settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
        backups.require_postgresql(settings_dict)
        backups.require_backup_file(path)
        if options["interactive"] and not self._confirmed(settings_dict, path):
            raise CommandError("Restore cancelled: nothing changed.")
        # Django's connection may hold the tables open; pg_restore needs them.
        connections[DEFAULT_DB_ALIAS].close()
        backups.restore(settings_dict, path)
        self.stdout.write(f"Restored {path} into the database {settings_dict['NAME']}.")

    def _confirmed(self, settings_dict, path) -> bool:
        where = f"{settings_dict['NAME']} on {settings_dict.get('HOST') or 'the local server'}"
        answer = input(f"This replaces everything in the database {where} with {path}.\nType 'yes' to go on: ")
        return answer.strip().lower() == "yes"
