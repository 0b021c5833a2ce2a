"""The reports' contacts-per-channel table (phone calls included)."""
from django import template

from helpdesk.calls.selectors import contacts_by_channel as contacts_by_channel_rows

register = template.Library()


@register.inclusion_tag("calls/contacts_by_channel.html")
def contacts_by_channel(period):
    rows = contacts_by_channel_rows(period)
    return {"rows": rows, "total": sum(r["total"] for r in rows)}


@register.filter
def duration_mmss(seconds: int) -> str:
    minutes, seconds = divmod(int(seconds or 0), 60)
    return f"{minutes}:{seconds:02d}"
