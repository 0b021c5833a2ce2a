from django.contrib import admin

from .models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "tracking_number", "created_at", "pushed_at", "push_attempts")
    list_filter = ("kind",)
    search_fields = ("tracking_number",)
    raw_id_fields = ("shipment",)
