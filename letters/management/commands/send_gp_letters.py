"""`manage.py send_gp_letters`: send the letters to GP practices that are due, and follow those sent (MESH
acknowledgements and error reports). Run it from a timer every few minutes (docs/deployment.md)."""

from django.core.management.base import BaseCommand, CommandError

from letters import mesh
from letters.services import follow_sent_letters, send_due_letters


class Command(BaseCommand):
    help = ("Send the letters to GP practices that are due over MESH, then mark those acknowledged or failed. "
            "Needs MESH_URL and MESH_MAILBOX (docs/deployment.md).")

    def handle(self, *args, **options):
        if not mesh.configured():
            raise CommandError("MESH is not set up: set MESH_URL and MESH_MAILBOX (docs/deployment.md).")
        sent = send_due_letters()
        followed = follow_sent_letters()
        self.stdout.write(f"{sent} letter{'' if sent == 1 else 's'} sent; {followed} acknowledged or failed.")
