"""The API the bot's action server calls, one conversation at a time (contract: docs/bot-api.md)."""
from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.errors import NotFound
from helpdesk.core.permissions import IsService
from helpdesk.network.selectors import delivery_windows_available, pickup_points_near
from helpdesk.shipments.models import Shipment
from helpdesk.shipments.selectors import shipment_get, shipment_view
from helpdesk.shipments.serializers import (
    AddressChangeSerializer,
    DeliveryWindowSerializer,
    PickupPointOptionSerializer,
    RedirectSerializer,
    RescheduleSerializer,
    ShipmentViewSerializer,
)
from helpdesk.shipments.services import (
    Actor,
    conversation_is_verified_for,
    delivery_attempt_dispute,
    shipment_address_change,
    shipment_redirect,
    shipment_reschedule,
    shipment_verification_confirm,
    shipment_verification_start,
    tracking_lookup_register,
)
from helpdesk.surveys.services import nps_record
from helpdesk.tickets.services import URGENT_COMPLAINTS, complaint_file

from .models import Conversation, HandoffReason
from .services import conversation_handoff, conversation_language_set


class BotConversationView(APIView):
    permission_classes = [IsService]

    def conversation(self) -> Conversation:
        conversation = Conversation.objects.select_related("customer").filter(pk=self.kwargs["conversation_id"]).first()
        if conversation is None:
            raise NotFound("conversation_not_found", "No such conversation.")
        return conversation

    def shipment(self) -> Shipment:
        return shipment_get(tracking_number=self.kwargs["tracking_number"])

    def view_of(self, conversation: Conversation, shipment: Shipment) -> dict:
        verified = conversation_is_verified_for(conversation=conversation, shipment=shipment)
        return shipment_view(shipment, verified=verified, language=conversation.language)

    def verified_shipment(self, conversation: Conversation) -> Shipment:
        """A shipment the conversation proved it receives (changes and option lists need it)."""
        from helpdesk.core.errors import Forbidden

        shipment = self.shipment()
        if not conversation_is_verified_for(conversation=conversation, shipment=shipment):
            raise Forbidden("verification_required", "Confirm the one-time code sent to the phone on file first.")
        return shipment


class ConversationShipmentsView(BotConversationView):
    @extend_schema(operation_id="bot_conversation_shipments_list", responses={200: inline_serializer("ShipmentViewList", {"results": ShipmentViewSerializer(many=True)})})
    def get(self, request, conversation_id):
        conversation = self.conversation()
        phones = {p for p in (conversation.verified_phone,) if p}
        if conversation.channel in ("sms", "whatsapp"):
            phones.add(conversation.external_user_id)
        shipments = (
            Shipment.objects.filter(Q(recipient_phone__in=phones) | Q(customer_id=conversation.customer_id))
            .select_related("delivery_window", "pickup_point")
            .order_by("-created_at")[:5]
            if phones or conversation.customer_id
            else []
        )
        return Response({"results": [self.view_of(conversation, s) for s in shipments]})


class ShipmentLookupView(BotConversationView):
    @extend_schema(operation_id="bot_conversation_shipment_lookup", responses={200: ShipmentViewSerializer, **ERROR_RESPONSES})
    def get(self, request, conversation_id, tracking_number):
        conversation = self.conversation()
        tracking_lookup_register(conversation=conversation)
        shipment = self.shipment()
        conversation.shipments.add(shipment)
        return Response(self.view_of(conversation, shipment))


class VerificationStartView(BotConversationView):
    @extend_schema(request=None, responses={200: inline_serializer("VerificationStarted", {
        "verified": serializers.BooleanField(), "sent_to": serializers.CharField(required=False),
        "expires_in": serializers.IntegerField(required=False)}), **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        return Response(shipment_verification_start(conversation=self.conversation(), shipment=self.shipment()))


class CodeSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\s*\d{4,8}\s*$", max_length=20)


class VerificationConfirmView(BotConversationView):
    @extend_schema(request=CodeSerializer, responses={200: inline_serializer("VerificationConfirmed", {
        "verified": serializers.BooleanField()}), **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = validated(CodeSerializer, request.data)
        conversation = self.conversation()
        result = shipment_verification_confirm(conversation=conversation, shipment=self.shipment(), code=data["code"])
        if result.get("verified") and conversation.identity_id and conversation.verified_phone:
            from helpdesk.customers.services import customer_link_verified_phone

            # the same customer on WeChat or web chat and on SMS/WhatsApp: one customer, one history
            customer_link_verified_phone(identity=conversation.identity, phone=conversation.verified_phone)
        return Response(result)


class DeliveryWindowsView(BotConversationView):
    @extend_schema(responses={200: inline_serializer("WindowList", {"results": DeliveryWindowSerializer(many=True)}),
                              **ERROR_RESPONSES})
    def get(self, request, conversation_id, tracking_number):
        shipment = self.verified_shipment(self.conversation())
        windows = delivery_windows_available(station=shipment.station)
        return Response({"results": DeliveryWindowSerializer(windows, many=True).data})


class RescheduleView(BotConversationView):
    @extend_schema(request=RescheduleSerializer, responses={200: ShipmentViewSerializer, **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = validated(RescheduleSerializer, request.data)
        conversation = self.conversation()
        shipment = shipment_reschedule(shipment=self.shipment(), window_id=data["window_id"], actor=Actor.customer(conversation))
        return Response(self.view_of(conversation, shipment))


class AddressChangeView(BotConversationView):
    @extend_schema(request=AddressChangeSerializer, responses={200: ShipmentViewSerializer, **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = validated(AddressChangeSerializer, request.data)
        conversation = self.conversation()
        shipment = shipment_address_change(shipment=self.shipment(), actor=Actor.customer(conversation), **data)
        return Response(self.view_of(conversation, shipment))


class PickupPointsView(BotConversationView):
    @extend_schema(responses={200: inline_serializer("PickupPointList", {"results": PickupPointOptionSerializer(many=True)}),
                              **ERROR_RESPONSES})
    def get(self, request, conversation_id, tracking_number):
        shipment = self.verified_shipment(self.conversation())
        ranked = pickup_points_near(city=shipment.city, latitude=shipment.latitude, longitude=shipment.longitude)
        results = [
            {"id": p.id, "kind": p.kind, "name": p.name, "address": p.address, "opening_hours": p.opening_hours,
             "distance_km": km, "available": p.available}
            for p, km in ranked
        ]
        return Response({"results": results})


class RedirectView(BotConversationView):
    @extend_schema(request=RedirectSerializer, responses={200: ShipmentViewSerializer, **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = validated(RedirectSerializer, request.data)
        conversation = self.conversation()
        shipment = shipment_redirect(
            shipment=self.shipment(), pickup_point_id=data["pickup_point_id"], actor=Actor.customer(conversation)
        )
        return Response(self.view_of(conversation, shipment))


class DisputeSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class DisputeFiledSerializer(serializers.Serializer):
    ticket_number = serializers.CharField()
    priority = serializers.CharField()
    first_response_due = serializers.DateTimeField()
    attempt = serializers.DictField()
    verdict = serializers.ChoiceField(choices=["courier_away", "outside_window", "at_address", "no_courier_gps",
                                               "no_address_coordinates"])
    distance_m = serializers.IntegerField(allow_null=True)


class DisputeView(BotConversationView):
    """"I was at home": the last failed attempt is checked against the address, flagged, and a ticket opened."""

    @extend_schema(request=DisputeSerializer, responses={201: DisputeFiledSerializer, **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = validated(DisputeSerializer, request.data)
        result = delivery_attempt_dispute(shipment=self.shipment(), conversation=self.conversation(),
                                          comment=data["comment"])
        attempt = result.attempt
        body = {
            "ticket_number": result.ticket.number, "priority": result.ticket.priority,
            "first_response_due": result.ticket.first_response_due,
            "attempt": {"id": attempt.id, "attempted_at": attempt.attempted_at.isoformat(), "reason": attempt.reason},
            "verdict": result.verdict, "distance_m": result.distance_m,
        }
        return Response(DisputeFiledSerializer(body).data, status=status.HTTP_201_CREATED)


class ComplaintSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=["late", "damaged", "lost", "courier_conduct", "fake_attempt", "other"])
    description = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")
    tracking_number = serializers.CharField(max_length=40, allow_null=True, required=False, default=None)


class ComplaintFiledSerializer(serializers.Serializer):
    ticket_number = serializers.CharField()
    priority = serializers.CharField()
    first_response_due = serializers.DateTimeField()
    first_response_hours = serializers.IntegerField()
    urgent = serializers.BooleanField()


class ComplaintView(BotConversationView):
    @extend_schema(request=ComplaintSerializer, responses={201: ComplaintFiledSerializer, **ERROR_RESPONSES})
    def post(self, request, conversation_id):
        data = validated(ComplaintSerializer, request.data)
        conversation = self.conversation()
        shipment = shipment_get(tracking_number=data["tracking_number"]) if data["tracking_number"] else None
        ticket = complaint_file(
            conversation=conversation, category=data["category"], description=data["description"], shipment=shipment
        )
        hours = max(1, round((ticket.first_response_due - ticket.created_at).total_seconds() / 3600))
        body = {
            "ticket_number": ticket.number,
            "priority": ticket.priority,
            "first_response_due": ticket.first_response_due,
            "first_response_hours": hours,
            "urgent": ticket.category in URGENT_COMPLAINTS,
        }
        return Response(ComplaintFiledSerializer(body).data, status=status.HTTP_201_CREATED)


class HandoffSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=HandoffReason.choices, default=HandoffReason.REQUESTED)


class HandoffView(BotConversationView):
    @extend_schema(request=HandoffSerializer, responses={200: inline_serializer("HandoffResult", {
        "queue_position": serializers.IntegerField(), "open_now": serializers.BooleanField(),
        "business_hours": serializers.CharField()}), **ERROR_RESPONSES})
    def post(self, request, conversation_id):
        data = validated(HandoffSerializer, request.data)
        return Response(conversation_handoff(conversation=self.conversation(), reason=data["reason"], pause_bot=False))


class LanguageSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=["en", "zh-hans", "zh-hant", "ru"])


class LanguageView(BotConversationView):
    @extend_schema(request=LanguageSerializer, responses={204: None, **ERROR_RESPONSES})
    def post(self, request, conversation_id):
        data = validated(LanguageSerializer, request.data)
        conversation_language_set(conversation=self.conversation(), language=data["language"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class NpsSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    tracking_number = serializers.CharField(max_length=40, allow_null=True, required=False, default=None)


class NpsView(BotConversationView):
    @extend_schema(request=NpsSerializer, responses={201: inline_serializer("NpsRecorded", {"id": serializers.IntegerField()}),
                                                     **ERROR_RESPONSES})
    def post(self, request, conversation_id):
        try:
            data = validated(NpsSerializer, request.data)
        except serializers.ValidationError as exc:
            if "score" in exc.detail:
                from helpdesk.core.errors import ApplicationError

                raise ApplicationError("score_invalid", "The score must be a whole number from 0 to 10.") from None
            raise
        conversation = self.conversation()
        shipment = shipment_get(tracking_number=data["tracking_number"]) if data["tracking_number"] else None
        response = nps_record(score=data["score"], comment=data["comment"], shipment=shipment, conversation=conversation)
        return Response({"id": response.id}, status=status.HTTP_201_CREATED)
