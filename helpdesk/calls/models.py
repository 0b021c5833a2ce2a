"""A phone call an agent took or made, logged as a conversation on the "phone" channel so reports count it."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PHONE_CHANNEL = "phone"


class PhoneCall(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Customer called us")
        OUTBOUND = "outbound", _("We called the customer")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved on the call")
        TICKET = "ticket", _("Follow-up in a ticket")
        CALLBACK = "callback", _("Call back needed")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE, related_name="phone_call")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="phone_calls")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    caller_number = models.CharField(max_length=20, help_text="The customer's number, E.164.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    duration_seconds = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    started_at = models.DateTimeField(db_index=True)
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="phone_calls")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.outcome})"
