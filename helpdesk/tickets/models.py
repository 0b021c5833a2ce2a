"""Ticket, TicketComment, TicketEvent (audit), SlaPolicy and BusinessHours."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.core.models import TimeStampedModel


class Category(models.TextChoices):
    COMPLAINT_LATE = "complaint_late", _("Complaint: late delivery")
    COMPLAINT_DAMAGED = "complaint_damaged", _("Complaint: damaged parcel")
    COMPLAINT_LOST = "complaint_lost", _("Complaint: lost parcel")
    COMPLAINT_COURIER_CONDUCT = "complaint_courier_conduct", _("Complaint: courier conduct")
    COMPLAINT_FAKE_ATTEMPT = "complaint_fake_attempt", _("Complaint: fake delivery attempt")
    COMPLAINT_OTHER = "complaint_other", _("Complaint: other")
    DELIVERY_CHANGE = "delivery_change", _("Delivery change request")
    INQUIRY = "inquiry", _("Inquiry")
    OTHER = "other", _("Other")


COMPLAINT_CATEGORIES = {c for c in Category.values if c.startswith("complaint_")}


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class SlaPolicy(models.Model):
    priority = models.CharField(max_length=10, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(help_text="Business minutes to first response.")
    resolution_minutes = models.PositiveIntegerField(help_text="Business minutes to resolution.")

    class Meta:
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return f"{self.priority}: {self.first_response_minutes}m / {self.resolution_minutes}m"


class BusinessHours(models.Model):
    """Contact-centre opening hours per weekday (0 = Monday) in settings.TIME_ZONE."""

    weekday = models.PositiveSmallIntegerField(unique=True, choices=[(i, d) for i, d in enumerate(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])])
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Ticket(TimeStampedModel):
    number = models.CharField(max_length=40, unique=True, help_text="T-000123, given to the customer.")
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=40, choices=Category.choices, db_index=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW, db_index=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    shipments = models.ManyToManyField("shipments.Shipment", blank=True, related_name="tickets")
    channel = models.CharField(max_length=20, blank=True)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "status"]), models.Index(fields=["status", "resolution_due"])]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class TicketComment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    is_internal = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class TicketEvent(models.Model):
    """Audit history: every change to a ticket with before and after."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=30)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
