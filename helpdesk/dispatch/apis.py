"""The pull side of the dispatch feed: `GET /api/v1/dispatch/feed/?cursor=N`."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.core.api import ERROR_RESPONSES, validated

from .models import OutboxEvent
from .selectors import outbox_events_after


class IsServiceOrSupervisor(BasePermission):
    message = "The feed is for dispatch (service token) and supervisors."

    def has_permission(self, request, view):
        profile = getattr(request.user, "agent_profile", None)
        return request.auth == "service" or bool(profile and profile.is_supervisor)


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=200)


class OutboxEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxEvent
        fields = ["id", "kind", "tracking_number", "payload", "created_at"]


class DispatchFeed(APIView):
    permission_classes = [IsServiceOrSupervisor]

    @extend_schema(
        parameters=[OpenApiParameter("cursor", int), OpenApiParameter("limit", int)],
        responses={200: inline_serializer("DispatchFeedPage", {
            "events": OutboxEventSerializer(many=True), "next_cursor": serializers.IntegerField()}), **ERROR_RESPONSES},
    )
    def get(self, request):
        query = validated(FeedQuerySerializer, request.query_params)
        events = outbox_events_after(cursor=query["cursor"], limit=query["limit"])
        next_cursor = events[-1].id if events else query["cursor"]
        return Response({"events": OutboxEventSerializer(events, many=True).data, "next_cursor": next_cursor})


class ScanBatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["applied", "duplicate", "stale", "invalid"])
    error = serializers.CharField(required=False)


class DispatchEvents(APIView):
    """Courier scan events from dispatch, in batches of up to 1,000, signed with DISPATCH_SECRET."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        request=inline_serializer("ScanEventBatch", {"events": serializers.ListField(child=serializers.DictField())}),
        responses={200: inline_serializer("ScanEventBatchResult", {
            "applied": serializers.IntegerField(), "duplicate": serializers.IntegerField(),
            "stale": serializers.IntegerField(), "invalid": serializers.IntegerField(),
            "results": ScanBatchResultSerializer(many=True)}), **ERROR_RESPONSES},
        parameters=[OpenApiParameter("X-Dispatch-Signature", str, OpenApiParameter.HEADER, required=True,
                                     description="sha256=<hex HMAC-SHA256 of the raw body with DISPATCH_SECRET>")],
    )
    def post(self, request):
        from django.conf import settings

        from helpdesk.core.errors import ApplicationError, Forbidden

        from .scans import MAX_BATCH, scan_events_ingest
        from .verification import dispatch_signature_valid

        secret = settings.DISPATCH["secret"]
        if not secret:
            raise ApplicationError("dispatch_disabled", "Dispatch is not configured (DISPATCH_SECRET unset).", status=503)
        if not dispatch_signature_valid(body=request.body, header=request.headers.get("X-Dispatch-Signature"), secret=secret):
            raise Forbidden("signature_invalid", "X-Dispatch-Signature does not match the body.")
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list):
            raise ApplicationError("payload_invalid", 'The body must be {"events": [...]}.')
        if len(events) > MAX_BATCH:
            raise ApplicationError("batch_too_large", f"Send at most {MAX_BATCH} events per request.")
        results = scan_events_ingest(items=events)
        counts = {status: sum(1 for r in results if r["status"] == status) for status in ("applied", "duplicate", "stale", "invalid")}
        return Response({**counts, "results": results})
