import datetime as dt
import os
import sys
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from referrals.access_log import record_command_import
from reports.imports.run import HANDLERS, NO_ROWS_SET_ASIDE, run_import
from sps.models import Role, User

SYSTEM_USER = "system-import"


class Command(BaseCommand):
    help = ("Import a CSV file of KIND (formats.md): practices, users, providers, grants, referrals, onward, star, "
            "episodes, costs. All or nothing unless --skip-invalid; exits 1 when rows are invalid.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(HANDLERS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument("--skip-invalid", metavar="REJECTS.csv",
                            help="Write the valid rows; put the invalid ones in this file with an error column.")
        parser.add_argument("--covered-until", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                            help="Episodes: the last date the extract covers.")
        parser.add_argument("--user", default=SYSTEM_USER,
                            help=f"Whom history records the changes to (default: the system user {SYSTEM_USER}).")

    def handle(self, *args, **options):
        if options["skip_invalid"] and not HANDLERS[options["kind"]].shows_changes:
            raise CommandError(NO_ROWS_SET_ASIDE)  # before the rejects file is made
        user = self._user(options["user"])
        path = options["file"]
        with ExitStack() as stack:
            try:
                stream = stack.enter_context(open(path, "rb"))
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}") from None
            rejects = (stack.enter_context(open(options["skip_invalid"], "w", newline="", encoding="utf-8"))
                       if options["skip_invalid"] else None)
            bar = stack.enter_context(tqdm(total=os.path.getsize(path), unit="B", unit_scale=True,
                                           desc=options["kind"], disable=not sys.stderr.isatty(), file=sys.stderr))
            result = run_import(kind=options["kind"], stream=stream, file_name=os.path.basename(path), user=user,
                                dry_run=options["dry_run"], rejects=rejects, covered_until=options["covered_until"],
                                on_progress=lambda position: bar.update(position - bar.n))
        if not result.dry_run and result.ok:
            record_command_import(user, f"{options['kind']} import (command line): {os.path.basename(path)}")
        self._report(result, options)

    def _user(self, username: str) -> User:
        if username == SYSTEM_USER:
            user, created = User.objects.get_or_create(
                username=SYSTEM_USER, defaults={"role": Role.MANAGER, "is_active": False, "first_name": "Import",
                                                "last_name": "(command line)"})
            if created:
                user.set_unusable_password()
                user.save()
            return user
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username}.") from None

    def _report(self, result, options) -> None:
        if result.file_error:
            self.stderr.write(result.file_error)
            sys.exit(1)
        for error in result.errors:
            self.stderr.write(str(error))
        if result.error_count > len(result.errors):
            self.stderr.write(f"... and {result.error_count - len(result.errors)} more errors.")
        if result.aborted:
            self.stderr.write(f"{result.error_count_rows} invalid row{'s' if result.error_count_rows != 1 else ''}: "
                              "nothing was written.")
            sys.exit(1)
        prefix = "Dry run, nothing written: would be " if result.dry_run else ""
        self.stdout.write(f"{prefix}{result.summary()}.")
        if result.dry_run:  # what each updated row would change, so that nothing is overwritten unseen
            for change in result.changes:
                self.stdout.write(str(change))
            if result.changed_rows > len(result.changes):
                self.stdout.write(f"... and {result.changed_rows - len(result.changes)} more updated rows.")
        if options["skip_invalid"] and result.counts.rejected:
            self.stdout.write(f"Rejected rows are in {options['skip_invalid']}.")
        for note in result.notes:
            self.stdout.write(note)
