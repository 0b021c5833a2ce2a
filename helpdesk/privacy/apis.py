"""Agents' API for personal data: show a recipient's phone and address for a reason (audited); the audit for
supervisors."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.permissions import IsStaffMember, IsSupervisor
from helpdesk.reports.selectors import Period
from helpdesk.shipments.selectors import shipment_get

from .models import UnmaskEvent
from .selectors import unmask_events
from .serializers import UnmaskedRecipientSerializer, UnmaskEventSerializer, UnmaskRequestSerializer
from .services import shipment_unmask

# Schema examples describe the fields in words: no phone number or address, real or made up, appears in the docs.
UNMASKED_EXAMPLE = OpenApiExample(
    "Shown after a logged reason",
    value={"tracking_number": "PD000000000CN", "recipient_phone": "<the recipient's full phone number>",
           "address": "<street, building and flat>", "city": "<city>", "postcode": "<postcode>"},
    response_only=True,
)


class ShipmentUnmask(APIView):
    """Roles in PRIVACY_UNMASK_ROLES only; each call is logged with who, whose, what, when and the reason."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=UnmaskRequestSerializer, examples=[UNMASKED_EXAMPLE],
                   responses={200: UnmaskedRecipientSerializer, **ERROR_RESPONSES})
    def post(self, request, tracking_number):
        shipment = shipment_get(tracking_number=tracking_number, viewer=request.user)  # another team's: 404
        data = validated(UnmaskRequestSerializer, request.data)
        via = UnmaskEvent.Via.AGENT_UI if request.headers.get("X-Parceldesk-UI") else UnmaskEvent.Via.API
        return Response(shipment_unmask(shipment=shipment, viewer=request.user,
                                        reason=data["reason"], via=via))


class UnmaskEventList(generics.ListAPIView):
    permission_classes = [IsStaffMember, IsSupervisor]
    serializer_class = UnmaskEventSerializer

    @extend_schema(parameters=[OpenApiParameter("from", str, description="YYYY-MM-DD"),
                               OpenApiParameter("to", str, description="YYYY-MM-DD")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        period = Period.from_query(self.request.query_params)
        return unmask_events(since=period.since, until=period.until)
