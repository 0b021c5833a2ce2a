from django.contrib import admin

from .models import Conversation, Message


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
