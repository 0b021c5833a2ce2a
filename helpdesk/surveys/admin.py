from django.contrib import admin

from .models import NpsResponse


@admin.register(NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "score", "shipment", "channel", "language", "created_at")
    list_filter = ("score", "channel", "language")
    search_fields = ("comment", "shipment__tracking_number")
    raw_id_fields = ("shipment", "customer", "conversation")
