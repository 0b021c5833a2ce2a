"""Shapes of the unmask request and answer, and of the unmask audit."""
from rest_framework import serializers

from .models import UnmaskEvent


class UnmaskRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why you need the recipient's phone and address; logged.")


class UnmaskedRecipientSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    recipient_phone = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    postcode = serializers.CharField()


class UnmaskEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnmaskEvent
        fields = ["created_at", "viewer_username", "viewer_role", "tracking_number", "fields", "reason", "via"]
