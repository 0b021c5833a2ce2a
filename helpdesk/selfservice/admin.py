"""Staff keep the FAQ data current here: fee table, service area, answers in four languages."""
from django.contrib import admin

from .models import DeliveryPreference, FaqAnswer, PageCode, ReturnRequest, ServiceArea, ShippingRate, ShippingZone


class ShippingRateInline(admin.TabularInline):
    model = ShippingRate
    extra = 1
    ordering = ("max_weight_kg",)


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_zh_hans", "name_zh_hant", "name_ru", "currency", "transit_days", "active")
    search_fields = ("code", "name")
    inlines = [ShippingRateInline]


@admin.register(ShippingRate)
class ShippingRateAdmin(admin.ModelAdmin):
    list_display = ("zone", "max_weight_kg", "price")
    list_filter = ("zone",)


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ("city", "postcode_prefix", "zone", "served", "aliases")
    list_filter = ("zone", "served")
    search_fields = ("city", "aliases", "postcode_prefix")


@admin.register(FaqAnswer)
class FaqAnswerAdmin(admin.ModelAdmin):
    list_display = ("topic", "updated_at")


@admin.register(DeliveryPreference)
class DeliveryPreferenceAdmin(admin.ModelAdmin):
    list_display = ("shipment", "method", "pickup_point", "time_slots", "appointment_date", "channel", "updated_at")
    list_filter = ("method", "channel")
    search_fields = ("shipment__tracking_number",)
    raw_id_fields = ("shipment", "pickup_point")


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ("return_shipment", "shipment", "reason", "method", "pickup_point", "pickup_date", "created_at")
    list_filter = ("reason", "method")
    search_fields = ("shipment__tracking_number", "return_shipment__tracking_number")
    raw_id_fields = ("shipment", "return_shipment", "pickup_point")


@admin.register(PageCode)
class PageCodeAdmin(admin.ModelAdmin):
    list_display = ("shipment", "created_at", "expires_at", "failed_attempts", "confirmed_at")
    raw_id_fields = ("shipment",)
    exclude = ("code_hash",)
