from rest_framework import serializers

from helpdesk.privacy.masking import customer_masked, phone_masked

from .models import Conversation, Message

PHONE_NUMBER_CHANNELS = ("sms", "whatsapp", "phone")


class ConversationSerializer(serializers.ModelSerializer):
    # A phone number here is often the recipient's phone on file, so it is masked like it (last four digits).
    customer = serializers.SerializerMethodField()
    external_user_id = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", default=None)
    team = serializers.CharField(source="team.slug", default=None)

    class Meta:
        model = Conversation
        fields = ["id", "channel", "external_user_id", "customer", "state", "language", "team", "assignee",
                  "handoff_reason", "queued_at", "last_message_at", "created_at", "closed_at", "bot_delayed_since"]

    def get_customer(self, conversation) -> str:
        return customer_masked(conversation.customer)

    def get_external_user_id(self, conversation) -> str:
        if conversation.channel in PHONE_NUMBER_CHANNELS:
            return phone_masked(conversation.external_user_id)
        return conversation.external_user_id


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.username", default=None)

    class Meta:
        model = Message
        fields = ["id", "direction", "sender_kind", "sender", "text", "media", "is_internal_note",
                  "delivery_status", "delivery_error", "created_at"]
