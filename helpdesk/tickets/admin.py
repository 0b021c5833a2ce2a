from django.contrib import admin

from .models import BusinessHours, SlaPolicy, Ticket, TicketComment, TicketEvent


class TicketCommentInline(admin.TabularInline):
    model = TicketComment
    extra = 0


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "kind", "before", "after", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "category", "priority", "status", "team", "assignee", "resolution_due")
    list_filter = ("status", "priority", "category", "team")
    search_fields = ("number", "subject", "shipments__tracking_number")
    raw_id_fields = ("customer", "conversation", "shipments")
    inlines = [TicketCommentInline, TicketEventInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("priority", "first_response_minutes", "resolution_minutes")


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ("weekday", "opens", "closes")


@admin.register(TicketComment)
class TicketCommentAdmin(admin.ModelAdmin):
    list_display = ("ticket", "author", "is_internal", "created_at")
    raw_id_fields = ("ticket",)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "actor", "created_at")
    raw_id_fields = ("ticket",)
