"""Shapes of a phone call in the API."""
from rest_framework import serializers

from helpdesk.customers.models import Language
from helpdesk.privacy.masking import phone_masked

from .models import PhoneCall
from .services import MAX_DURATION_SECONDS


class PhoneCallLogSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=PhoneCall.Direction.choices)
    caller_number = serializers.CharField(max_length=40, help_text="The customer's number; any common format.")
    outcome = serializers.ChoiceField(choices=PhoneCall.Outcome.choices)
    duration_seconds = serializers.IntegerField(min_value=0, max_value=MAX_DURATION_SECONDS)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True, default="")
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                           help_text="Default: now minus the duration.")
    tracking_numbers = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                             max_length=20)
    ticket_numbers = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                           max_length=20)


class PhoneCallSerializer(serializers.ModelSerializer):
    conversation = serializers.IntegerField(source="conversation_id")
    agent = serializers.CharField(source="agent.username", default=None)
    caller_number = serializers.SerializerMethodField()
    tracking_numbers = serializers.SerializerMethodField()
    ticket_numbers = serializers.SerializerMethodField()

    class Meta:
        model = PhoneCall
        fields = ["id", "conversation", "agent", "direction", "caller_number", "outcome", "duration_seconds", "notes",
                  "started_at", "tracking_numbers", "ticket_numbers"]

    def get_caller_number(self, call) -> str:
        return phone_masked(call.caller_number)  # often the recipient's phone on file: masked like it

    def get_tracking_numbers(self, call) -> list[str]:
        return sorted(s.tracking_number for s in call.conversation.shipments.all())

    def get_ticket_numbers(self, call) -> list[str]:
        return sorted(t.number for t in call.tickets.all())
