from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.privacy.masking import channel_id_masked, customer_masked

from .models import Conversation, Message


class ReplyWindowSerializer(serializers.Serializer):
    """What an agent may send now: WhatsApp (24 h) and WeChat (48 h) allow free text only after the customer wrote."""

    open = serializers.BooleanField()
    hours = serializers.IntegerField(allow_null=True, help_text="Length of the channel's window; null: no window.")
    closes_at = serializers.DateTimeField(allow_null=True)
    template_required = serializers.BooleanField(
        help_text="Only an approved template can be sent (WhatsApp ContentSid, WeChat template message).")
    detail = serializers.CharField()


class ConversationSerializer(serializers.ModelSerializer):
    # A phone number here is often the recipient's phone on file, so it is masked like it (last four digits).
    customer = serializers.SerializerMethodField()
    external_user_id = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", default=None)
    team = serializers.CharField(source="team.slug", default=None)
    customer_id = serializers.IntegerField(read_only=True, help_text="The same customer on every channel they "
                                           "verified their phone on (filter with ?customer=).")
    reply_window = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["id", "channel", "external_user_id", "customer", "customer_id", "state", "language", "team",
                  "assignee", "handoff_reason", "queued_at", "last_message_at", "created_at", "closed_at",
                  "bot_delayed_since", "reply_window"]

    def get_customer(self, conversation) -> str:
        return customer_masked(conversation.customer)

    def get_external_user_id(self, conversation) -> str:
        return channel_id_masked(conversation.external_user_id, conversation.channel)

    @extend_schema_field(ReplyWindowSerializer)
    def get_reply_window(self, conversation) -> dict:
        from .messaging import reply_window_state

        return reply_window_state(conversation)


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.username", default=None)

    class Meta:
        model = Message
        fields = ["id", "direction", "sender_kind", "sender", "text", "media", "is_internal_note",
                  "delivery_status", "delivery_error", "template_id", "created_at"]


class MessageTemplateSerializer(serializers.Serializer):
    """An approved template as the agent may send it now: filled from the conversation's latest shipment."""

    key = serializers.SlugField()
    label = serializers.CharField()
    language = serializers.CharField()
    provider_template_id = serializers.CharField()
    preview = serializers.CharField(help_text="The text the customer would read.")
    needs_shipment = serializers.BooleanField()
    ready = serializers.BooleanField(help_text="False when it needs a shipment and none is linked.")
