from django.contrib.auth import get_user_model
from rest_framework import serializers

from helpdesk.accounts.models import Team
from helpdesk.shipments.models import Shipment

from .models import Category, Priority, Ticket, TicketComment, TicketEvent, TicketStatus


class TicketSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.slug", default=None)
    assignee = serializers.CharField(source="assignee.username", default=None)
    shipments = serializers.SlugRelatedField(slug_field="tracking_number", many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = ["number", "subject", "description", "category", "priority", "status", "team", "assignee",
                  "customer", "conversation", "shipments", "channel", "first_response_due", "resolution_due",
                  "first_responded_at", "resolved_at", "created_at", "updated_at"]


class TicketCommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = TicketComment
        fields = ["id", "author", "body", "is_internal", "created_at"]


class TicketEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = TicketEvent
        fields = ["kind", "actor", "before", "after", "created_at"]


class TicketDetailSerializer(TicketSerializer):
    comments = TicketCommentSerializer(many=True, read_only=True)
    history = TicketEventSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + ["comments", "history"]


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    category = serializers.ChoiceField(choices=Category.choices)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True, default=None)
    conversation = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    tracking_numbers = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                             max_length=20)
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True,
                                        default=None)

    def validate_tracking_numbers(self, value):
        numbers = [v.strip().upper() for v in value]
        found = dict(Shipment.objects.filter(tracking_number__in=numbers).values_list("tracking_number", "id"))
        missing = [n for n in numbers if n not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown tracking numbers: {', '.join(missing)}")
        return list(Shipment.objects.filter(id__in=found.values()))


class TicketAssignSerializer(serializers.Serializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.filter(
        agent_profile__isnull=False), required=False, allow_null=True)


class TicketCommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    is_internal = serializers.BooleanField(default=True)


class TicketStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)
