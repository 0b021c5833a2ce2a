"""Rendering one message bubble the same way on the page and (in JS) live."""
from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def message_bubble(m):
    css = "note" if m.is_internal_note and m.sender_kind == "agent" else m.sender_kind
    who = {"customer": "Customer", "bot": "Bot", "agent": (m.sender.get_full_name() or m.sender.username) if m.sender else "Agent",
           "system": ""}[m.sender_kind]
    label = f"{who} · note" if css == "note" else who
    status = "" if m.direction == "in" or m.is_internal_note else f" · {m.get_delivery_status_display()}"
    return format_html(
        '<div class="msg {}" data-id="{}"><div class="text">{}</div><div class="meta">{} · {}{}</div></div>',
        css, m.id, m.text, label, timezone.localtime(m.created_at).strftime("%d %b %H:%M"), status,
    )
