from rest_framework import serializers

from .models import Conversation, Message


class ConversationSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.__str__")
    assignee = serializers.CharField(source="assignee.username", default=None)
    team = serializers.CharField(source="team.slug", default=None)

    class Meta:
        model = Conversation
        fields = ["id", "channel", "external_user_id", "customer", "state", "language", "team", "assignee",
                  "handoff_reason", "queued_at", "last_message_at", "created_at", "closed_at", "bot_delayed_since"]


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.username", default=None)

    class Meta:
        model = Message
        fields = ["id", "direction", "sender_kind", "sender", "text", "media", "is_internal_note",
                  "delivery_status", "delivery_error", "created_at"]
