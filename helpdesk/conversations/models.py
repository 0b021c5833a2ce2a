"""Conversation (bot / queued / agent / closed) and Message (direction, sender kind, delivery status)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django.db.models import Q

from helpdesk.core.models import TimeStampedModel
from helpdesk.customers.models import Language


class ConversationState(models.TextChoices):
    BOT = "bot", _("With the bot")
    QUEUED = "queued", _("Waiting for an agent")
    AGENT = "agent", _("With an agent")
    CLOSED = "closed", _("Closed")


class HandoffReason(models.TextChoices):
    REQUESTED = "requested", _("Customer asked for a human")
    FALLBACK = "fallback", _("Bot did not understand twice")
    URGENT_COMPLAINT = "urgent_complaint", _("Urgent complaint")
    OTP_LOCKED = "otp_locked", _("Verification failed")
    AGENT_TAKEOVER = "agent_takeover", _("Agent took over")


class Conversation(TimeStampedModel):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="conversations")
    identity = models.ForeignKey(
        "customers.ChannelIdentity", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    channel = models.CharField(max_length=20)
    external_user_id = models.CharField(max_length=128)
    state = models.CharField(max_length=10, choices=ConversationState.choices, default=ConversationState.BOT)
    language = models.CharField(max_length=10, default="en")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    verified_phone = models.CharField(
        max_length=20, blank=True, help_text="Phone proven by channel match or one-time code; unlocks shipment details."
    )
    handoff_reason = models.CharField(max_length=20, choices=HandoffReason.choices, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True, help_text="Opens the WhatsApp/WeChat reply window.")
    closed_at = models.DateTimeField(null=True, blank=True)
    bot_delayed_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while the bot cannot be reached; messages wait and are retried."
    )
    resolved_by_bot = models.BooleanField(null=True, blank=True, help_text="Set on close: no agent ever joined.")
    shipments = models.ManyToManyField("shipments.Shipment", blank=True, related_name="conversations")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_user_id"],
                condition=~Q(state="closed"),
                name="one_open_conversation_per_identity",
            )
        ]
        indexes = [
            models.Index(fields=["state", "team", "-last_message_at"]),
            models.Index(fields=["assignee", "state"]),
            # The inbox's waiting and closed queues in their display order, and the search by channel id (phone).
            models.Index(fields=["state", "queued_at", "-id"], name="conversation_waiting_order"),
            models.Index(fields=["state", "-closed_at", "-id"], name="conversation_closed_order"),
            models.Index(fields=["external_user_id"], name="conversation_external_user"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel}:{self.external_user_id} ({self.state})"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class SenderKind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        BOT = "bot", _("Bot")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    class DeliveryStatus(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("message delivery status", "Received")
        PROCESSED = "processed", pgettext_lazy("message delivery status", "Processed")
        PENDING = "pending", pgettext_lazy("message delivery status", "Waiting to send")
        SENT = "sent", pgettext_lazy("message delivery status", "Sent")
        DELIVERED = "delivered", pgettext_lazy("message delivery status", "Delivered")
        READ = "read", pgettext_lazy("message delivery status", "Read")
        FAILED = "failed", pgettext_lazy("message delivery status", "Failed")
        NOT_SENT = "not_sent", pgettext_lazy("message delivery status", "Not sent (internal)")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    sender_kind = models.CharField(max_length=10, choices=SenderKind.choices)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)
    is_internal_note = models.BooleanField(default=False, help_text="Agents only; never sent to the customer.")
    channel = models.CharField(max_length=20)
    external_id = models.CharField(max_length=128, null=True, blank=True, help_text="Provider message id.")
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    delivery_error = models.CharField(max_length=300, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    template_id = models.CharField(max_length=64, blank=True,
                                   help_text="Approved template sent (WhatsApp ContentSid, WeChat template_id).")
    template_variables = models.JSONField(default=dict, blank=True,
                                          help_text="The template's placeholders as filled when it was sent.")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="uniq_message_external_id_per_channel",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "id"]),
            models.Index(fields=["conversation", "direction", "delivery_status"]),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.sender_kind}: {self.text[:40]}"


class TemplateChannel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    WECHAT = "wechat", _("WeChat")


class MessageTemplate(models.Model):
    """A template the provider approved: outside the reply window (WhatsApp 24 h, WeChat 48 h) the only thing that
    reaches the customer. One row per template and language; admins keep them in step with the provider's console."""

    channel = models.CharField(max_length=20, choices=TemplateChannel.choices)
    key = models.SlugField(max_length=50, help_text="Names one template across its languages, e.g. parcel_update.")
    language = models.CharField(max_length=10, choices=Language.choices)
    label = models.CharField(max_length=120, help_text="What agents see in the template picker.")
    provider_template_id = models.CharField(
        max_length=64, help_text="WhatsApp: the Content SID (HX + 32 characters). WeChat: the template_id from the "
        "Official Account's template library.")
    body = models.TextField(help_text="The approved text with its placeholders as the provider shows it: {{1}} for "
                            "WhatsApp, {{thing1.DATA}} or {{keyword1.DATA}} for WeChat.")
    variables = models.JSONField(default=dict, blank=True, help_text='Each placeholder and what fills it, e.g. '
                                 '{"1": "tracking_number", "2": "shipment_status"}.')
    active = models.BooleanField(default=True, help_text="Offered to agents and used for notices.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel", "key", "language"]
        constraints = [models.UniqueConstraint(fields=["channel", "key", "language"], name="uniq_template_language")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.key} ({self.language})"

    def clean(self) -> None:
        from .message_templates import template_problems

        problems = template_problems(self)
        if problems:
            from django.core.exceptions import ValidationError

            raise ValidationError(problems)
