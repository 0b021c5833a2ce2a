"""Dispatch's API: the pull feed (`GET /api/v1/dispatch/feed/?cursor=N`), courier scan events in, and the
next-day re-delivery manifest per station (JSON or CSV)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import renderers, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.errors import NotFound
from helpdesk.network.models import Station
from helpdesk.privacy.masking import deep_masked
from helpdesk.selfservice.selectors import return_pickups_due

from .models import OutboxEvent
from .selectors import outbox_events_after, redelivery_manifest


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
        data = OutboxEventSerializer(events, many=True).data
        if request.auth != "service":  # a supervisor's login: the recipient's phone and address masked
            data = deep_masked(data)
        return Response({"events": data, "next_cursor": next_cursor})


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


MANIFEST_COLUMNS = [
    "tracking_number", "retry_on", "overdue", "window_start", "window_end", "destination", "pickup_point", "address",
    "city", "postcode", "recipient_name", "recipient_phone", "failed_attempts", "last_attempt_at", "last_attempt_reason",
    "courier", "disputed", "customer_response", "customer_response_at", "customer_response_channel",
    "preferred_method", "preferred_pickup_point", "preferred_slots", "appointment_date", "courier_instructions",
    "task", "original_tracking_number", "return_reason",
]


def _manifest_csv_row(row: dict) -> list:
    window, destination = row["window"] or {}, row["destination"]
    last, answer = row["last_attempt"] or {}, row["customer_response"] or {}
    return [
        row["tracking_number"], row["retry_on"], "yes" if row["overdue"] else "no", window.get("start", ""),
        window.get("end", ""), destination["kind"], destination.get("pickup_point", ""), destination["address"],
        destination["city"], destination["postcode"], row["recipient_name"], row["recipient_phone"],
        row["failed_attempts"], last.get("at", ""), last.get("reason", ""), last.get("courier") or "",
        "yes" if last.get("disputed") else "no", answer.get("summary", "none"), answer.get("at", ""),
        answer.get("channel", ""), *_preference_cells(row.get("delivery_preference")), "redelivery", "", "",
    ]


def _return_pickup_csv_row(row: dict) -> list:
    """A return the courier collects from the customer's door on the same run, in the manifest's columns."""
    address = row["pickup_address"] or {}
    return [
        row["return_tracking_number"], row["pickup_date"], "yes" if row["overdue"] else "no", "", "",
        "return_pickup", "", address.get("address", ""), address.get("city", ""), address.get("postcode", ""),
        row["recipient_name"], row["recipient_phone"], "", "", "", "", "", "", "", row["channel"],
        "", "", "", "", row["comment"], "return_pickup", row["original_tracking_number"], row["reason"],
    ]


def _preference_cells(preference: dict | None) -> list:
    if not preference:
        return ["", "", "", "", ""]
    return [preference["method"], (preference["pickup_point"] or {}).get("code", ""),
            " ".join(f"{s['start']}-{s['end']}" for s in preference["time_slots"]),
            preference["appointment_date"] or "", preference["instructions"]]


class ManifestCsvRenderer(renderers.BaseRenderer):
    """`?format=csv`: one line per shipment to retry ("task" redelivery), then one per return to collect from a
    customer's door ("task" return_pickup), for the station's planners and spreadsheets."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict) and "shipments" in data:
            writer.writerow(MANIFEST_COLUMNS)
            writer.writerows(_manifest_csv_row(row) for row in data["shipments"])
            writer.writerows(_return_pickup_csv_row(row) for row in data.get("return_pickups", []))
        else:  # an error: still CSV, with the same code and detail as the JSON error body
            writer.writerow(["code", "detail"])
            writer.writerow([data.get("code", "error"), data.get("detail", "")] if isinstance(data, dict)
                            else ["error", data])
        return out.getvalue().encode("utf-8")


class ManifestQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The day of the delivery run; default tomorrow.")


class StationManifest(APIView):
    """Every shipment of the station to retry on the day, with its window or new address/pickup point and the
    customer's response. For dispatch (service token) and supervisors, like the feed."""

    permission_classes = [IsServiceOrSupervisor]
    renderer_classes = [renderers.JSONRenderer, ManifestCsvRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("date", dt.date), OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={200: inline_serializer("RedeliveryManifest", {
            "station": serializers.CharField(), "date": serializers.DateField(), "count": serializers.IntegerField(),
            "shipments": serializers.ListField(child=serializers.DictField()),
            "return_pickups": serializers.ListField(child=serializers.DictField())}), **ERROR_RESPONSES},
    )
    def get(self, request, code):
        query = validated(ManifestQuerySerializer, request.query_params)
        # A code PostgreSQL cannot even compare (a NUL byte) is simply not a station.
        station = Station.objects.filter(code=code).first() if code.isprintable() else None
        if station is None:
            raise NotFound("station_not_found", f"No station with code {code!r}.")
        day = query.get("date") or timezone.localdate() + dt.timedelta(days=1)
        masked = request.auth != "service"
        rows = redelivery_manifest(station=station, day=day, masked=masked)
        pickups = return_pickups_due(station=station, day=day)
        if masked:  # dispatch's couriers need the phone and address; a supervisor's login does not
            rows, pickups = deep_masked(rows), deep_masked(pickups)
        response = Response({"station": station.code, "date": day.isoformat(), "count": len(rows), "shipments": rows,
                             "return_pickups": pickups})
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="manifest_{station.code}_{day.isoformat()}.csv"'
        return response
