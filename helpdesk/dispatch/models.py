"""OutboxEvent: every change to a shipment that dispatch must plan the next run on."""
from django.db import models


class OutboxEvent(models.Model):
    """Written in the same transaction as the change; the id is the feed cursor."""

    class Kind(models.TextChoices):
        RESCHEDULED = "shipment.rescheduled", "Rescheduled"
        ADDRESS_CHANGED = "shipment.address_changed", "Address changed"
        REDIRECTED = "shipment.redirected", "Redirected to pickup point"
        DELIVERY_FAILED = "shipment.delivery_failed", "Delivery failed"
        ATTEMPT_DISPUTED = "shipment.attempt_disputed", "Attempt disputed"
        COMPLAINT_FILED = "shipment.complaint_filed", "Complaint filed"

    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.CASCADE, related_name="outbox_events")
    tracking_number = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    push_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["pushed_at", "id"])]

    def __str__(self) -> str:
        return f"{self.id} {self.kind} {self.tracking_number}"
