from django.contrib import admin

from .models import NpsResponse, NpsSurvey


@admin.register(NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "score", "shipment", "channel", "language", "created_at")
    list_filter = ("score", "channel", "language")
    search_fields = ("comment", "shipment__tracking_number")
    raw_id_fields = ("shipment", "customer", "conversation")


@admin.register(NpsSurvey)
class NpsSurveyAdmin(admin.ModelAdmin):
    list_display = ("id", "shipment", "status", "due_at", "attempts", "next_attempt_at")
    list_filter = ("status",)
    search_fields = ("shipment__tracking_number",)
    raw_id_fields = ("shipment", "conversation")
