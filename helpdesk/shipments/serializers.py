"""Shapes of shipments in the API: the bot's view, the agents' list and detail, and change requests."""
from rest_framework import serializers

from helpdesk.network.models import DeliveryWindow
from helpdesk.privacy.masking import MASK, address_masked, mapping_masked, phone_masked

from .models import DeliveryAttempt, Shipment, ShipmentChange, TrackingEvent


class LastEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    description = serializers.CharField()
    location = serializers.CharField()


class WindowRefSerializer(serializers.Serializer):
    date = serializers.DateField()
    start = serializers.CharField()
    end = serializers.CharField()


class ProofOfDeliverySerializer(serializers.Serializer):
    delivered_at = serializers.DateTimeField(allow_null=True)
    photo_url = serializers.CharField()
    signed_by = serializers.CharField()
    method = serializers.CharField()


class ShipmentViewSerializer(serializers.Serializer):
    """What the bot may tell a customer (see docs/bot-api.md)."""

    tracking_number = serializers.CharField()
    verified = serializers.BooleanField()
    masked = serializers.BooleanField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    last_event = LastEventSerializer(allow_null=True)
    eta = serializers.DateField(allow_null=True)
    promised_window = WindowRefSerializer(allow_null=True)
    recipient_name = serializers.CharField()
    address = serializers.CharField(allow_null=True)
    pickup_point = serializers.DictField(allow_null=True)
    proof_of_delivery = ProofOfDeliverySerializer(allow_null=True)
    can_change = serializers.BooleanField()
    phone_hint = serializers.CharField()


class DeliveryWindowSerializer(serializers.ModelSerializer):
    remaining = serializers.IntegerField(read_only=True)
    label = serializers.SerializerMethodField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")

    class Meta:
        model = DeliveryWindow
        fields = ["id", "date", "start", "end", "label", "remaining"]

    def get_label(self, window) -> str:
        return f"{window.date:%a %d %b}, {window.start:%H:%M}–{window.end:%H:%M}"


class PickupPointOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    opening_hours = serializers.CharField()
    distance_km = serializers.FloatField(allow_null=True)
    available = serializers.BooleanField()


class RescheduleSerializer(serializers.Serializer):
    window_id = serializers.IntegerField(min_value=1)


class AddressChangeSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=300, trim_whitespace=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class RedirectSerializer(serializers.Serializer):
    pickup_point_id = serializers.IntegerField(min_value=1)


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["status", "description", "location", "occurred_at"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    courier = serializers.CharField(source="courier.name", default=None)
    # The courier's GPS fix at the door is where the recipient lives: masked like the address ("••••" when recorded).
    latitude = serializers.SerializerMethodField(help_text="\"••••\" when a GPS fix was recorded, else null.")
    longitude = serializers.SerializerMethodField(help_text="\"••••\" when a GPS fix was recorded, else null.")

    def get_latitude(self, attempt) -> str | None:
        return MASK if attempt.latitude is not None else None

    def get_longitude(self, attempt) -> str | None:
        return MASK if attempt.longitude is not None else None

    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "outcome", "reason", "courier", "latitude", "longitude", "proof_photo_url",
                  "signed_by", "otp_confirmed", "disputed"]


class ShipmentChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()

    def get_before(self, change) -> dict:
        return mapping_masked(change.before)  # an address change's old and new address are the recipient's

    def get_after(self, change) -> dict:
        return mapping_masked(change.after)

    class Meta:
        model = ShipmentChange
        fields = ["kind", "actor_kind", "actor", "channel", "conversation", "before", "after", "created_at"]


class ShipmentListSerializer(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code")
    courier = serializers.CharField(source="courier.code", default=None)

    class Meta:
        model = Shipment
        fields = ["tracking_number", "status", "recipient_name", "city", "station", "courier", "eta", "created_at"]


class ShipmentDetailSerializer(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code")
    courier = serializers.CharField(source="courier.name", default=None)
    delivery_window = DeliveryWindowSerializer(allow_null=True)
    pickup_point = serializers.CharField(source="pickup_point.name", default=None)
    events = TrackingEventSerializer(many=True)
    attempts = DeliveryAttemptSerializer(many=True)
    changes = ShipmentChangeSerializer(many=True)
    # The recipient's phone and address are always masked here; POST .../unmask/ with a reason shows them (audited).
    masked = serializers.SerializerMethodField()
    recipient_phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    postcode = serializers.SerializerMethodField()

    def get_masked(self, shipment) -> bool:
        return True

    def get_recipient_phone(self, shipment) -> str:
        return phone_masked(shipment.recipient_phone)

    def get_address(self, shipment) -> str:
        return address_masked(shipment.address)

    def get_postcode(self, shipment) -> str:
        return address_masked(shipment.postcode)

    class Meta:
        model = Shipment
        fields = [
            "tracking_number", "status", "masked", "sender_name", "recipient_name", "recipient_phone", "address", "city",
            "postcode", "station", "courier", "delivery_window", "pickup_point", "eta", "delivered_at",
            "events", "attempts", "changes", "created_at",
        ]
