"""The recipient's personal data: who was shown it unmasked and why, and which closed shipments were anonymized."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnmaskEvent(models.Model):
    """Audit: a staff member asked to see a recipient's phone and address, with a reason."""

    class Via(models.TextChoices):
        AGENT_UI = "agent_ui", _("Agent UI")
        API = "api", _("REST API")

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="unmask_events")
    viewer_username = models.CharField(max_length=150, help_text="Kept if the user is deleted.")
    viewer_role = models.CharField(max_length=20)
    shipment = models.ForeignKey("shipments.Shipment", null=True, on_delete=models.SET_NULL, related_name="unmask_events")
    tracking_number = models.CharField(max_length=40, help_text="Whose data: the shipment's recipient.")
    fields = models.JSONField(default=list, help_text="What was shown, e.g. [\"recipient_phone\", \"address\"].")
    reason = models.CharField(max_length=300)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.API)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.viewer_username} saw {self.tracking_number} ({self.reason[:30]})"


class ShipmentAnonymization(models.Model):
    """Marks a closed shipment whose recipient data was erased, so the job never touches it twice."""

    shipment = models.OneToOneField("shipments.Shipment", on_delete=models.CASCADE, related_name="anonymization")
    anonymized_at = models.DateTimeField(auto_now_add=True)


class AnonymizationRun(models.Model):
    """One run of the anonymization job, dry or real, with what it found (the dry-run report)."""

    dry_run = models.BooleanField()
    cutoff = models.DateTimeField(help_text="Shipments closed before this were due.")
    counts = models.JSONField(default=dict)
    tracking_numbers = models.JSONField(default=list, help_text="The first shipments found (up to 100).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{'dry run' if self.dry_run else 'run'} {self.created_at:%Y-%m-%d %H:%M}: {self.counts.get('shipments', 0)}"
