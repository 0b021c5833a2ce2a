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
        HANDOVER_CODE_ISSUED = "shipment.handover_code_issued", "Handover code issued"
        DELIVERY_PREFERENCE_SET = "shipment.delivery_preference_set", "Delivery preference set"
        RETURN_REQUESTED = "shipment.return_requested", "Return requested"

    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.CASCADE, related_name="outbox_events")
    tracking_number = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # Push bookkeeping for the one webhook consumer (DISPATCH_WEBHOOK_URL); pull consumers keep their own cursor.
    pushed_at = models.DateTimeField(null=True, blank=True, help_text="When dispatch acknowledged the push.")
    push_attempts = models.PositiveIntegerField(default=0)
    push_next_at = models.DateTimeField(null=True, blank=True, help_text="Backing off until then after a failure.")
    push_claimed_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending it (lease).")
    push_last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["pushed_at", "id"]),
            models.Index(fields=["shipment", "id"], condition=models.Q(pushed_at__isnull=True),
                         name="outbox_pending_push"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.kind} {self.tracking_number}"
