"""The bot's self-service endpoints (contract: docs/bot-api.md, "Self-service"): FAQ answers ready to say in the
customer's language with their data, delivery preferences and returns. Same service token as the rest of the bot API."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.conversations.bot_apis import BotConversationView
from helpdesk.core.api import ERROR_RESPONSES
from helpdesk.core.errors import ApplicationError
from helpdesk.core.permissions import IsService
from helpdesk.shipments.services import Actor

from .answers import say
from .models import DeliveryMethod, FaqAnswer, ReturnRequest, TimeSlot
from .selectors import (
    faq_answer, pickup_points_for_place, return_json, service_area_check, shipment_delivery_preference,
    shipping_quote,
)
from .services import delivery_preference_set, shipment_return_start

LANGUAGE = serializers.ChoiceField(choices=["en", "zh-hans", "zh-hant", "ru"], default="en", required=False)

Answer = inline_serializer("FaqAnswerBody", {"answer": serializers.CharField(), "language": serializers.CharField()})


class PlaceQuery(serializers.Serializer):
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    language = LANGUAGE


class QuoteQuery(PlaceQuery):
    weight_kg = serializers.CharField(max_length=20, help_text="Kilograms, e.g. 2.5")


class PointsQuery(PlaceQuery):
    kind = serializers.ChoiceField(choices=["", "locker", "station"], required=False, default="")


class FaqQuery(serializers.Serializer):
    language = LANGUAGE


def _checked(serializer_class, data) -> dict:
    """Field errors become `<field>_invalid` (400) so the bot can say which answer to ask again."""
    serializer = serializer_class(data=data if hasattr(data, "get") else {})
    if not serializer.is_valid():
        field = next(iter(serializer.errors))
        raise ApplicationError(f"{field}_invalid", f"The {field} is not valid.", errors=serializer.errors)
    return serializer.validated_data


class FaqView(APIView):
    permission_classes = [IsService]


class ShippingFeeView(FaqView):
    @extend_schema(operation_id="bot_faq_shipping_fee", parameters=[QuoteQuery], responses={200: Answer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(shipping_quote(**_checked(QuoteQuery, request.query_params)))


class ServiceAreaView(FaqView):
    @extend_schema(operation_id="bot_faq_service_area", parameters=[PlaceQuery], responses={200: Answer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(service_area_check(**_checked(PlaceQuery, request.query_params)))


class PickupPointsNearView(FaqView):
    @extend_schema(operation_id="bot_faq_pickup_points", parameters=[PointsQuery], responses={200: Answer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(pickup_points_for_place(**_checked(PointsQuery, request.query_params)))


class TopicView(FaqView):
    topic = ""

    @extend_schema(parameters=[FaqQuery], responses={200: Answer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(faq_answer(topic=self.topic, **_checked(FaqQuery, request.query_params)))


class ProhibitedItemsView(TopicView):
    topic = FaqAnswer.Topic.PROHIBITED_ITEMS


class DamageClaimView(TopicView):
    topic = FaqAnswer.Topic.DAMAGE_CLAIM


class OpeningHoursView(TopicView):
    topic = FaqAnswer.Topic.OPENING_HOURS


# --- Per conversation and shipment ------------------------------------------------------------------


class PreferenceSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.values)
    pickup_point_id = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True, default=None)
    time_slots = serializers.ListField(child=serializers.ChoiceField(choices=TimeSlot.values), max_length=3,
                                       required=False, default=list)
    appointment_date = serializers.DateField(required=False, allow_null=True, default=None)
    instructions = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def preference_answer(preference, language: str) -> str:
    point = preference.pickup_point
    what = (say("pref_door", language) if preference.method == DeliveryMethod.DOOR
            else say("pref_point", language, name=point.name))
    when = ""
    if preference.time_slots:
        when += say("pref_when", language, slots=", ".join(say(f"slot_{s}", language) for s in preference.time_slots))
    if preference.appointment_date:
        when += say("pref_on", language, date=preference.appointment_date.isoformat())
    return say("preference_set", language, what=what, when=when, tn=preference.shipment.tracking_number)


def return_answer(request: ReturnRequest, language: str) -> str:
    rtn, tn = request.return_shipment.tracking_number, request.shipment.tracking_number
    if request.method == ReturnRequest.Method.PICKUP:
        return say("return_pickup", language, rtn=rtn, tn=tn, address=request.return_shipment.address,
                   date=request.pickup_date.isoformat())
    point = request.pickup_point
    return say("return_drop_off", language, rtn=rtn, tn=tn, name=point.name, address=point.address,
               hours=point.opening_hours)


class PreferenceView(BotConversationView):
    @extend_schema(operation_id="bot_delivery_preference_get", responses={200: Answer, **ERROR_RESPONSES})
    def get(self, request, conversation_id, tracking_number):
        shipment = self.verified_shipment(self.conversation())
        return Response({"preference": shipment_delivery_preference(shipment)})

    @extend_schema(operation_id="bot_delivery_preference_set", request=PreferenceSerializer,
                   responses={200: Answer, **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = _checked(PreferenceSerializer, request.data)
        conversation = self.conversation()
        shipment = self.verified_shipment(conversation)
        preference = delivery_preference_set(shipment=shipment, actor=Actor.customer(conversation), **data)
        preference.shipment = shipment
        language = conversation.language or "en"
        return Response({"answer": preference_answer(preference, language), "language": language,
                         "preference": shipment_delivery_preference(shipment)})


class ReturnSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReturnRequest.Reason.values)
    method = serializers.ChoiceField(choices=ReturnRequest.Method.values)
    pickup_point_id = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True, default=None)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReturnView(BotConversationView):
    @extend_schema(operation_id="bot_return_start", request=ReturnSerializer, responses={201: Answer, **ERROR_RESPONSES})
    def post(self, request, conversation_id, tracking_number):
        data = _checked(ReturnSerializer, request.data)
        conversation = self.conversation()
        shipment = self.verified_shipment(conversation)
        started = shipment_return_start(shipment=shipment, actor=Actor.customer(conversation), **data)
        conversation.shipments.add(started.return_shipment)
        language = conversation.language or "en"
        return Response({"answer": return_answer(started, language), "language": language, **return_json(started)},
                        status=status.HTTP_201_CREATED)
