"""Agents' API for shipments: search, full timeline, and changes made for a customer.

Every call looks the shipment up as the caller may see it (`shipments_visible_to`) before reading the body: another
team's shipment answers 404, like one that does not exist."""
from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.permissions import IsStaffMember
from helpdesk.network.selectors import delivery_windows_available, pickup_points_near

from .models import Shipment, ShipmentStatus
from .selectors import shipment_get, shipment_timeline, shipments_for_agents
from .serializers import (
    AddressChangeSerializer,
    DeliveryWindowSerializer,
    PickupPointOptionSerializer,
    RedirectSerializer,
    RescheduleSerializer,
    ShipmentDetailSerializer,
    ShipmentListSerializer,
)
from .services import Actor, shipment_address_change, shipment_redirect, shipment_reschedule


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ShipmentStatus.choices)
    station = django_filters.CharFilter(field_name="station__code")
    q = django_filters.CharFilter(method="search", label="Tracking number or recipient phone")

    class Meta:
        model = Shipment
        fields = ["status", "station"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(tracking_number=value.upper()) | Q(recipient_phone=value))


class ShipmentList(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = ShipmentListSerializer
    filterset_class = ShipmentFilter

    def get_queryset(self):
        return shipments_for_agents(self.request.user)


# What every agent sees: the recipient's phone and address masked (POST .../unmask/ with a reason shows them).
MASKED_DETAIL_EXAMPLE = OpenApiExample("Recipient masked", response_only=True, value={
    "tracking_number": "PD000000000CN", "status": "out_for_delivery", "masked": True, "sender_name": "Tmall Store",
    "recipient_name": "Li Wei", "recipient_phone": "•••• 0000", "address": "••••", "city": "Shanghai", "postcode": "••••",
    "station": "SHA1", "courier": "Zhang Min", "delivery_window": None, "pickup_point": None, "eta": "2026-01-02",
    "delivered_at": None, "events": [], "attempts": [], "created_at": "2026-01-01T08:00:00Z",
    "changes": [{"kind": "address_change", "actor_kind": "customer", "actor": None, "channel": "sms", "conversation": 1,
                 "before": {"address": "••••", "city": "Shanghai", "postcode": "••••"},
                 "after": {"address": "••••", "city": "Shanghai", "postcode": "••••"},
                 "created_at": "2026-01-01T09:00:00Z"}],
})


class ShipmentDetail(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: ShipmentDetailSerializer, **ERROR_RESPONSES}, examples=[MASKED_DETAIL_EXAMPLE])
    def get(self, request, tracking_number):
        shipment = shipment_timeline(shipment_get(tracking_number=tracking_number, viewer=request.user))
        return Response(ShipmentDetailSerializer(shipment).data)


class ShipmentDeliveryWindows(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: inline_serializer("AgentWindowList", {"results": DeliveryWindowSerializer(many=True)}),
                              **ERROR_RESPONSES})
    def get(self, request, tracking_number):
        shipment = shipment_get(tracking_number=tracking_number, viewer=request.user)
        return Response({"results": DeliveryWindowSerializer(delivery_windows_available(station=shipment.station), many=True).data})


class ShipmentPickupPoints(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: inline_serializer("AgentPickupPointList", {"results": PickupPointOptionSerializer(many=True)}),
                              **ERROR_RESPONSES})
    def get(self, request, tracking_number):
        shipment = shipment_get(tracking_number=tracking_number, viewer=request.user)
        ranked = pickup_points_near(city=shipment.city, latitude=shipment.latitude, longitude=shipment.longitude)
        return Response({"results": [
            {"id": p.id, "kind": p.kind, "name": p.name, "address": p.address, "opening_hours": p.opening_hours,
             "distance_km": km, "available": p.available}
            for p, km in ranked
        ]})


def _detail(shipment: Shipment) -> Response:
    return Response(ShipmentDetailSerializer(shipment_timeline(shipment)).data)


class ShipmentReschedule(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=RescheduleSerializer, responses={200: ShipmentDetailSerializer, **ERROR_RESPONSES},
                   examples=[MASKED_DETAIL_EXAMPLE])
    def post(self, request, tracking_number):
        shipment = shipment_get(tracking_number=tracking_number, viewer=request.user)  # access first, then the body
        data = validated(RescheduleSerializer, request.data)
        shipment = shipment_reschedule(shipment=shipment, window_id=data["window_id"], actor=Actor.agent(request.user))
        return _detail(shipment)


class ShipmentAddressChange(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=AddressChangeSerializer, responses={200: ShipmentDetailSerializer, **ERROR_RESPONSES},
                   examples=[MASKED_DETAIL_EXAMPLE])
    def post(self, request, tracking_number):
        shipment = shipment_get(tracking_number=tracking_number, viewer=request.user)
        data = validated(AddressChangeSerializer, request.data)
        shipment = shipment_address_change(shipment=shipment, actor=Actor.agent(request.user), **data)
        return _detail(shipment)


class ShipmentRedirect(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=RedirectSerializer, responses={200: ShipmentDetailSerializer, **ERROR_RESPONSES},
                   examples=[MASKED_DETAIL_EXAMPLE])
    def post(self, request, tracking_number):
        shipment = shipment_get(tracking_number=tracking_number, viewer=request.user)
        data = validated(RedirectSerializer, request.data)
        shipment = shipment_redirect(shipment=shipment, pickup_point_id=data["pickup_point_id"],
                                     actor=Actor.agent(request.user))
        return _detail(shipment)
