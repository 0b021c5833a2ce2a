"""Shipment, TrackingEvent, DeliveryAttempt, ShipmentChange (audit), OneTimeCode and DeliveryNotice."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.db.models import Q

from helpdesk.core.models import TimeStampedModel


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Label created")
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    AT_STATION = "at_station", _("At delivery station")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERY_FAILED = "delivery_failed", _("Delivery attempt failed")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned to sender")
    EXCEPTION = "exception", _("Exception")


# Statuses in which the customer may still reschedule, change the address or redirect.
CHANGEABLE_STATUSES = frozenset(
    {
        ShipmentStatus.CREATED,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.AT_STATION,
        ShipmentStatus.DELIVERY_FAILED,
        ShipmentStatus.EXCEPTION,
    }
)


class Shipment(TimeStampedModel):
    tracking_number = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="shipments"
    )
    sender_name = models.CharField(max_length=200)
    recipient_name = models.CharField(max_length=200)
    recipient_phone = models.CharField(max_length=20, db_index=True, help_text="Phone on file, E.164.")
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="CN")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    station = models.ForeignKey("network.Station", on_delete=models.PROTECT, related_name="shipments")
    courier = models.ForeignKey(
        "network.Courier", null=True, blank=True, on_delete=models.SET_NULL, related_name="shipments"
    )
    pickup_point = models.ForeignKey(
        "network.PickupPoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="shipments",
        help_text="Set when redirected to a locker or pickup station.",
    )
    delivery_window = models.ForeignKey(
        "network.DeliveryWindow", null=True, blank=True, on_delete=models.SET_NULL, related_name="shipments",
        help_text="The promised delivery window.",
    )
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.CREATED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    eta = models.DateField(null=True, blank=True)
    eta_as_of = models.DateTimeField(
        null=True, blank=True,
        help_text="When the ETA was set (the scan's time, or the reschedule's), so an older scan that arrives late "
                  "never overrides a newer ETA.",
    )
    weight_kg = models.DecimalField(max_digits=7, decimal_places=2, default=1)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "station"]),
            models.Index(fields=["recipient_phone", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def changeable(self) -> bool:
        return self.status in CHANGEABLE_STATUSES


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices)
    description = models.CharField(max_length=300)
    location = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    external_id = models.CharField(max_length=64, null=True, blank=True, unique=True, help_text="Scan event id.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["shipment", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class DeliveryAttempt(models.Model):
    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        NONE = "", "—"
        RECIPIENT_ABSENT = "recipient_absent", _("Recipient absent")
        ADDRESS_WRONG = "address_wrong", _("Address wrong or incomplete")
        REFUSED = "refused", _("Refused by recipient")
        NO_ACCESS = "no_access", _("No access to building")
        LOCKER_FULL = "locker_full", _("Locker full")
        DAMAGED = "damaged", _("Parcel damaged")
        OTHER = "other", _("Other")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="attempts")
    courier = models.ForeignKey("network.Courier", null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts")
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True, default="")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    proof_photo_url = models.URLField(blank=True)
    signed_by = models.CharField(max_length=200, blank=True)
    otp_confirmed = models.BooleanField(default=False)
    disputed = models.BooleanField(default=False, help_text="The customer says they were there.")
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_distance_m = models.PositiveIntegerField(
        null=True, blank=True, help_text="Metres between the courier's GPS fix and the address, when both are known."
    )
    dispute_verdict = models.CharField(max_length=30, blank=True, help_text="What the GPS and time comparison found.")
    external_id = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.outcome} {self.reason}"


class ActorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer (via bot)")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")
    COURIER = "courier", _("Courier scan")


class ShipmentChange(models.Model):
    """Audit: who changed what on a shipment, when, on which channel, before and after."""

    class Kind(models.TextChoices):
        RESCHEDULE = "reschedule", _("Rescheduled")
        ADDRESS_CHANGE = "address_change", _("Address changed")
        REDIRECT = "redirect", _("Redirected to pickup point")
        VERIFIED = "verified", _("Sender verified as recipient")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="shipment_changes"
    )
    channel = models.CharField(max_length=20, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.kind} by {self.actor_kind}"


class OneTimeCode(models.Model):
    """A code sent by SMS to the phone on file; confirming it proves the conversation is the recipient."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="one_time_codes")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="one_time_codes")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(failed_attempts__gte=0), name="otp_attempts_non_negative"),
        ]


class DeliveryNotice(models.Model):
    """A message to the recipient caused by one courier scan, sent once per (shipment, scan event).

    Written in the scan's transaction, then delivered by a task (and a sweeper if the worker missed it),
    so a notice is neither lost nor sent twice.
    """

    class Kind(models.TextChoices):
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELAYED = "delayed", _("Delivery delayed")
        ATTEMPT_FAILED = "attempt_failed", _("Delivery attempt failed")
        DELIVERED = "delivered", _("Delivered")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        SENT = "sent", _("Handed to the channel")
        SKIPPED = "skipped", _("Not sent")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="notices")
    scan_event_id = models.CharField(max_length=64, help_text="The scan event that caused it.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    skipped_reason = models.CharField(max_length=200, blank=True)
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="delivery_notices"
    )
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="delivery_notices"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "scan_event_id"], name="one_notice_per_scan_event"),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="delivery_notice_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.kind} ({self.status})"
