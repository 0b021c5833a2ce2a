from django.contrib import admin

from .models import PhoneCall


@admin.register(PhoneCall)
class PhoneCallAdmin(admin.ModelAdmin):
    list_display = ("started_at", "direction", "outcome", "duration_seconds", "agent", "conversation")
    list_filter = ("direction", "outcome")
    raw_id_fields = ("conversation", "tickets")
