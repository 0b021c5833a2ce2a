"""Rendering one message bubble the same way on the page and (in JS) live; display names for stored codes."""
from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _, pgettext

from helpdesk.customers.models import Language
from helpdesk.tickets.models import Priority

register = template.Library()

# Conversation.channel and Ticket.channel are plain codes; these are the names agents read.
CHANNEL_NAMES = {
    "webchat": _("Web chat"), "sms": _("SMS"), "whatsapp": _("WhatsApp"), "wechat": _("WeChat"), "phone": _("Phone"),
}
TICKET_EVENT_NAMES = {
    "created": _("Created"), "assigned": _("Assigned"), "commented": _("Commented"),
    "status_changed": _("Status changed"),
}


@register.filter
def channel_name(code: str) -> str:
    return CHANNEL_NAMES.get(code, code)


@register.filter
def language_name(code: str) -> str:
    """Each language in its own name (English, 简体中文, 繁體中文, Русский), as in the language switcher."""
    return dict(Language.choices).get(code, code)


@register.filter
def priority_name(code: str) -> str:
    return Priority(code).label if code in Priority.values else code


@register.filter
def ticket_event_name(kind: str) -> str:
    return TICKET_EVENT_NAMES.get(kind, kind)


@register.simple_tag
def message_bubble(m):
    css = "note" if m.is_internal_note and m.sender_kind == "agent" else m.sender_kind
    agent = (m.sender.get_full_name() or m.sender.username) if m.sender else pgettext("message sender", "Agent")
    who = {"customer": pgettext("message sender", "Customer"), "bot": pgettext("message sender", "Bot"), "agent": agent,
           "system": ""}[m.sender_kind]
    label = gettext("%(who)s · internal note") % {"who": who} if css == "note" else who
    status = "" if m.direction == "in" or m.is_internal_note else format_html(
        ' · <span class="status">{}</span>', m.get_delivery_status_display())
    if m.template_id:  # what went out was the provider's approved template, filled in as shown
        status = format_html('{} · <span class="tpl">{}</span>', status, gettext("approved template"))
    when = dateformat.format(timezone.localtime(m.created_at), gettext("j M H:i"))
    return format_html(
        '<div class="msg {}" data-id="{}"><div class="text">{}</div><div class="meta">{}{}{}</div></div>',
        css, m.id, m.text, f"{label} · " if label else "", when, status,
    )
