"""`manage.py anonymize_shipments [--dry-run]`: erase recipients' personal data from long-closed shipments."""
from django.conf import settings
from django.core.management.base import BaseCommand

from helpdesk.privacy.services import shipments_anonymize


class Command(BaseCommand):
    help = ("Erase the recipient's name, phone, address and GPS fixes from shipments delivered or returned more than "
            "PRIVACY_ANONYMIZE_AFTER_DAYS ago. Run with --dry-run first: it lists and counts what would change.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        run = shipments_anonymize(dry_run=dry_run)
        counts = run.counts
        verb = "Would anonymize" if dry_run else "Anonymized"
        self.stdout.write(f"{verb} shipments delivered or returned before {run.cutoff:%Y-%m-%d %H:%M} UTC "
                          f"(older than {settings.PRIVACY_ANONYMIZE_AFTER_DAYS} days):")
        for tracking_number in run.tracking_numbers:
            self.stdout.write(f"  {tracking_number}")
        if counts["shipments"] > len(run.tracking_numbers):
            self.stdout.write(f"  … and {counts['shipments'] - len(run.tracking_numbers)} more")
        self.stdout.write(f"shipments: {counts['shipments']}")
        self.stdout.write(f"delivery attempts (signature, photo, GPS): {counts['delivery_attempts']}")
        self.stdout.write(f"shipment changes (old/new address): {counts['shipment_changes']}")
        self.stdout.write(f"one-time codes (phone): {counts['one_time_codes']}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
