"""Celery beat: the daily anonymization of closed shipments."""
from celery import shared_task

from .services import shipments_anonymize as shipments_anonymize_service


@shared_task(name="helpdesk.privacy.tasks.shipments_anonymize")
def shipments_anonymize() -> dict:
    return shipments_anonymize_service(dry_run=False).counts
