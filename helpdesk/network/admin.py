from django.contrib import admin

from .models import Courier, DeliveryWindow, PickupPoint, Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "time_zone")
    search_fields = ("code", "name", "city")


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "station", "active")
    list_filter = ("station", "active")
    search_fields = ("code", "name")


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "city", "capacity", "occupied", "active")
    list_filter = ("kind", "city", "active")
    search_fields = ("code", "name", "address")


@admin.register(DeliveryWindow)
class DeliveryWindowAdmin(admin.ModelAdmin):
    list_display = ("station", "date", "start", "end", "capacity", "booked")
    list_filter = ("station", "date")
    date_hierarchy = "date"
