"""`manage.py import_openreferral FILE [--dry-run]`: read a service directory from another system's Open Referral UK
feed (a JSON file of `/services`, a list of services, or one service)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.oruk_import import FeedError, import_feed


class Command(BaseCommand):
    help = ("Read services and their providers from an Open Referral UK feed file: new ones are added, ones read "
            "before (the same ids) are updated. One bad service stops the whole file, naming it and the field.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            feed = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise CommandError(f"{file} is not JSON: {where}: {error.msg}.") from error
        try:
            outcome = import_feed(feed, dry_run=dry_run)
        except FeedError as error:
            raise CommandError(f"Nothing was imported from {file}:\n{error}") from error
        self.stdout.write(f"{'Would add' if dry_run else 'Added'} {outcome.created} service(s) and "
                          f"{'would update' if dry_run else 'updated'} {outcome.updated}.")
