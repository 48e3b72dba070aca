"""`manage.py gp_letter REFERRAL_ID --format fhir|pdf`: a referral's letter to its GP practice, as it would be sent,
on standard output (issue 14)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from letters.content import letter_for
from letters.fhir import NotConfigured, letter_message_json
from letters.pdf import letter_pdf
from referrals.models import Referral


class Command(BaseCommand):
    help = ("Write a referral's letter to its GP practice to standard output, exactly as it would be sent: the PDF, "
            "or GP Connect Send Document's ITK3 FHIR STU3 message (JSON): the ITK Document Bundle with the PDF inside.")

    def add_arguments(self, parser):
        parser.add_argument("referral_id", type=int)
        parser.add_argument("--format", choices=["fhir", "pdf"], default="fhir")

    def handle(self, *args, referral_id: int, format: str, **options):
        # A deployer's command, run on the server: every referral, as the service itself sends them.
        referral = Referral.objects.select_related("patient__practice", "referred_by", "adviser") \
            .filter(pk=referral_id).first()
        if referral is None:
            raise CommandError(f"There is no referral {referral_id}.")
        letter = letter_for(referral)
        if format == "pdf":
            sys.stdout.buffer.write(letter_pdf(letter))
        else:
            try:
                self.stdout.write(letter_message_json(letter))
            except NotConfigured as error:
                raise CommandError(str(error)) from error
