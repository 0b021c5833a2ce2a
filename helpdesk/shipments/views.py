"""The carrier's public tracking page: enter a tracking number, see the timeline, chat about it."""
from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from helpdesk.core.errors import NotFound

from .labels import status_label
from .selectors import shipment_get

LOOKUPS_PER_IP = 30  # per 10 minutes: enough for a person, too few for scraping


def _language() -> str:
    code = (translation.get_language() or "en").lower()
    return code if code in ("zh-hans", "zh-hant", "ru") else "en"


def track(request):
    number = (request.GET.get("tn") or "").strip().upper()
    context = {"number": number, "shipment": None, "error": None, "language": _language()}
    if number:
        key = f"public-track:{request.META.get('REMOTE_ADDR', '')}"
        cache.add(key, 0, timeout=600)
        if cache.incr(key) > LOOKUPS_PER_IP:
            context["error"] = _("Too many look-ups from your network; please try again in a few minutes.")
            return render(request, "shipments/track.html", context, status=429)
        if not number.isalnum() or len(number) > 40:
            context["error"] = _("A tracking number has only letters and digits, like SF1234567890.")
            return render(request, "shipments/track.html", context, status=400)
        try:
            shipment = shipment_get(tracking_number=number)
        except NotFound:
            context["error"] = _("We could not find %(number)s. Check the number on your receipt or SMS.") % {
                "number": number}
            return render(request, "shipments/track.html", context, status=404)
        events = list(shipment.events.order_by("-occurred_at", "-id"))
        context.update(
            shipment=shipment,
            status_label=status_label(shipment.status, context["language"]),
            events=[(e, status_label(e.status, context["language"])) for e in events],
        )
    return render(request, "shipments/track.html", context)
