from django.contrib import admin

from .models import DeliveryAttempt, DeliveryNotice, OneTimeCode, Shipment, ShipmentChange, TrackingEvent


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0


class ShipmentChangeInline(admin.TabularInline):
    model = ShipmentChange
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor_kind", "actor", "conversation", "channel", "before", "after", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("tracking_number", "status", "recipient_name", "city", "station", "eta")
    list_filter = ("status", "station")
    search_fields = ("tracking_number", "recipient_phone", "recipient_name")
    raw_id_fields = ("customer", "courier", "pickup_point", "delivery_window")
    inlines = [TrackingEventInline, DeliveryAttemptInline, ShipmentChangeInline]


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin):
    list_display = ("shipment", "status", "location", "occurred_at")
    list_filter = ("status",)
    raw_id_fields = ("shipment",)


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ("shipment", "outcome", "reason", "courier", "attempted_at", "disputed")
    list_filter = ("outcome", "reason", "disputed", "courier__code")
    raw_id_fields = ("shipment",)


@admin.register(ShipmentChange)
class ShipmentChangeAdmin(admin.ModelAdmin):
    list_display = ("shipment", "kind", "actor_kind", "actor", "channel", "created_at")
    list_filter = ("kind", "actor_kind", "channel")
    raw_id_fields = ("shipment", "conversation")

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is read-only


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    list_display = ("shipment", "conversation", "created_at", "expires_at", "failed_attempts", "confirmed_at")
    readonly_fields = ("code_hash",)
    raw_id_fields = ("shipment", "conversation")


@admin.register(DeliveryNotice)
class DeliveryNoticeAdmin(admin.ModelAdmin):
    list_display = ("id", "shipment", "kind", "status", "scan_event_id", "skipped_reason")
    list_filter = ("kind", "status")
    search_fields = ("shipment__tracking_number", "scan_event_id")
    raw_id_fields = ("shipment",)
