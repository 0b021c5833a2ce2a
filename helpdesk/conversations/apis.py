"""Agents' API for conversations: list, read, take over, hand back, close."""
from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.permissions import IsStaffMember

from .models import Conversation, ConversationState, Message
from .selectors import conversation_messages, conversations_visible_to
from .serializers import ConversationSerializer, MessageSerializer, MessageTemplateSerializer
from .services import conversation_close, conversation_hand_back, conversation_take_over


class ConversationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ConversationState.choices)
    channel = django_filters.CharFilter()
    language = django_filters.CharFilter()
    customer = django_filters.NumberFilter(field_name="customer_id",
                                           help_text="One customer's conversations on every channel.")
    mine = django_filters.BooleanFilter(method="filter_mine")

    class Meta:
        model = Conversation
        fields = ["state", "channel", "language", "customer"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assignee=self.request.user) if value else queryset.exclude(assignee=self.request.user)


class ConversationList(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = ConversationSerializer
    filterset_class = ConversationFilter

    def get_queryset(self):
        return conversations_visible_to(self.request.user).order_by("-last_message_at", "-id")


class ConversationDetail(generics.RetrieveAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = ConversationSerializer

    def get_queryset(self):
        return conversations_visible_to(self.request.user)


class MessageCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000, allow_blank=True, default="")
    internal = serializers.BooleanField(default=False, help_text="An internal note: never sent to the customer.")
    template = serializers.SlugField(max_length=50, required=False, allow_blank=True, default="",
                                     help_text="Key of an approved template (GET .../templates/): the only thing "
                                               "WhatsApp (24 h) and WeChat (48 h) deliver outside the reply window.")
    template_id = serializers.RegexField(r"^[A-Za-z0-9_-]{0,64}$", required=False, allow_blank=True, default="",
                                         help_text="The same, by the provider's id (WhatsApp ContentSid, WeChat "
                                                   "template_id).")
    tracking_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                            help_text="Which of the conversation's shipments fills the template "
                                                      "(default: the latest linked).")


class ConversationMessages(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = MessageSerializer

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer, **ERROR_RESPONSES})
    def post(self, request, pk):
        """Reply on the customer's own channel, or add an internal note."""
        from .messaging import agent_note_add, agent_reply_send

        conversation = generics.get_object_or_404(
            conversations_visible_to(request.user).select_related("identity"), pk=pk)
        data = validated(MessageCreateSerializer, request.data)
        if data["internal"]:
            message = agent_note_add(conversation=conversation, agent=request.user, text=data["text"])
        else:
            message = agent_reply_send(conversation=conversation, agent=request.user, text=data["text"],
                                       template=data["template"], template_id=data["template_id"],
                                       tracking_number=data["tracking_number"])
        return Response(MessageSerializer(message).data, status=201)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no pk
            return Message.objects.none()
        conversation = generics.get_object_or_404(conversations_visible_to(self.request.user), pk=self.kwargs["pk"])
        return conversation_messages(conversation)


class _ConversationAction(APIView):
    permission_classes = [IsStaffMember]

    def conversation(self) -> Conversation:
        return generics.get_object_or_404(conversations_visible_to(self.request.user), pk=self.kwargs["pk"])


class ConversationTemplates(_ConversationAction):
    """The approved templates this conversation may use (its channel, in its language), filled in."""

    @extend_schema(responses={200: MessageTemplateSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, pk):
        from .message_templates import template_options

        options = template_options(self.conversation(), agent=request.user)
        return Response(MessageTemplateSerializer(options, many=True).data)


class ConversationTakeOver(_ConversationAction):
    @extend_schema(request=None, responses={200: ConversationSerializer, **ERROR_RESPONSES})
    def post(self, request, pk):
        conversation = conversation_take_over(conversation=self.conversation(), agent=request.user)
        return Response(ConversationSerializer(conversation).data)


class ConversationHandBack(_ConversationAction):
    @extend_schema(request=None, responses={200: ConversationSerializer, **ERROR_RESPONSES})
    def post(self, request, pk):
        conversation = conversation_hand_back(conversation=self.conversation(), agent=request.user)
        return Response(ConversationSerializer(conversation).data)


class ConversationClose(_ConversationAction):
    @extend_schema(request=None, responses={200: ConversationSerializer, **ERROR_RESPONSES})
    def post(self, request, pk):
        conversation = conversation_close(conversation=self.conversation(), actor=request.user)
        return Response(ConversationSerializer(conversation).data)


class ConversationVerificationStart(_ConversationAction):
    """An agent sends the customer a one-time code to the phone on file (or confirms the channel phone matches)."""

    @extend_schema(request=None, responses={200: serializers.DictField(), **ERROR_RESPONSES})
    def post(self, request, pk, tracking_number):
        from helpdesk.shipments.selectors import shipment_get
        from helpdesk.shipments.services import shipment_verification_start

        conversation = self.conversation()
        return Response(shipment_verification_start(
            conversation=conversation, shipment=shipment_get(tracking_number=tracking_number, viewer=request.user)))
