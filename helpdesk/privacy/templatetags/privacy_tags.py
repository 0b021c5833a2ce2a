"""Masked phone and address in staff pages, the unmask control, and the unmask audit table of the reports."""
from django import template

from helpdesk.privacy.masking import address_masked, channel_id_masked, customer_masked, gps_masked, phone_masked
from helpdesk.privacy.selectors import can_unmask, unmask_events

register = template.Library()

register.filter("phone_masked", phone_masked)
register.filter("address_masked", address_masked)
register.filter("customer_masked", customer_masked)
register.filter("channel_id_masked", channel_id_masked)  # {{ c.external_user_id|channel_id_masked:c.channel }}
register.filter("gps_masked", gps_masked)  # {{ a.latitude|gps_masked:a.longitude }}


@register.simple_tag
def may_unmask(user) -> bool:
    return can_unmask(user)


@register.inclusion_tag("privacy/unmask_audit.html")
def unmask_audit(period, query: str = ""):
    events = unmask_events(since=period.since, until=period.until)
    return {"events": list(events[:50]), "total": events.count(), "query": query}
