"""Agents' API for phone calls: log one (a closed conversation on the "phone" channel) and list them."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.permissions import IsStaffMember

from .models import PhoneCall
from .selectors import phone_calls_visible_to
from .serializers import PhoneCallLogSerializer, PhoneCallSerializer
from .services import phone_call_log

LOGGED_EXAMPLE = OpenApiExample("Logged call", response_only=True, value={
    "id": 1, "conversation": 42, "agent": "alice", "direction": "inbound", "caller_number": "•••• 0000",
    "outcome": "resolved", "duration_seconds": 185, "notes": "Asked when the courier comes; told 14:00-16:00.",
    "started_at": "2026-01-02T06:00:00Z", "tracking_numbers": ["PD000000000CN"], "ticket_numbers": []})


class PhoneCallList(generics.ListCreateAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = PhoneCallSerializer

    def get_queryset(self):
        return phone_calls_visible_to(self.request.user)

    @extend_schema(request=PhoneCallLogSerializer, examples=[LOGGED_EXAMPLE],
                   responses={201: PhoneCallSerializer, **ERROR_RESPONSES})
    def post(self, request, *args, **kwargs):
        data = validated(PhoneCallLogSerializer, request.data)
        call = phone_call_log(agent=request.user, **data)
        call = PhoneCall.objects.select_related("conversation", "agent").prefetch_related(
            "conversation__shipments", "tickets").get(pk=call.pk)
        return Response(PhoneCallSerializer(call).data, status=status.HTTP_201_CREATED)
