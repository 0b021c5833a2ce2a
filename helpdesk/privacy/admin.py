from django.contrib import admin

from .models import AnonymizationRun, ShipmentAnonymization, UnmaskEvent


@admin.register(UnmaskEvent)
class UnmaskEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "viewer_username", "viewer_role", "tracking_number", "reason", "via")
    list_filter = ("viewer_role", "via")
    search_fields = ("viewer_username", "tracking_number", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # an audit is not edited

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnonymizationRun)
class AnonymizationRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "dry_run", "cutoff", "counts")
    list_filter = ("dry_run",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ShipmentAnonymization)
class ShipmentAnonymizationAdmin(admin.ModelAdmin):
    list_display = ("shipment", "anonymized_at")
    raw_id_fields = ("shipment",)

    def has_change_permission(self, request, obj=None):
        return False
