from django.contrib import admin

from .models import Conversation, Message, MessageTemplate


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("direction", "sender_kind", "text", "is_internal_note", "delivery_status", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "external_user_id", "state", "language", "team", "assignee", "last_message_at")
    list_filter = ("state", "channel", "language", "team")
    search_fields = ("external_user_id", "customer__name", "customer__phone")
    raw_id_fields = ("customer", "identity", "shipments")
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "direction", "sender_kind", "delivery_status", "created_at")
    list_filter = ("direction", "sender_kind", "delivery_status", "channel")
    search_fields = ("text", "external_id")
    raw_id_fields = ("conversation",)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Approved WhatsApp and WeChat templates, one row per language; the ids come from the provider's console."""

    list_display = ("key", "channel", "language", "label", "provider_template_id", "active", "updated_at")
    list_filter = ("channel", "language", "active")
    search_fields = ("key", "label", "provider_template_id", "body")
    fieldsets = (
        (None, {"fields": ("channel", "key", "language", "label", "active")}),
        ("As the provider approved it", {
            "fields": ("provider_template_id", "body", "variables"),
            "description": "Placeholders: {{1}}, {{2}} … for WhatsApp; {{thing1.DATA}}, {{keyword1.DATA}} … for "
                           "WeChat. Variables map each placeholder to tracking_number, shipment_status, eta, "
                           "delivery_window, station, agent_name or today.",
        }),
    )
