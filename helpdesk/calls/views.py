"""The agent's "Log a phone call" page: a plain form that calls the same service as POST /api/v1/phone-calls/."""
from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from helpdesk.core.errors import ApplicationError
from helpdesk.customers.models import Language
from helpdesk.inbox.access import staff_required

from .models import PhoneCall
from .selectors import phone_calls_visible_to
from .services import MAX_DURATION_SECONDS, phone_call_log


FIELDS = ("direction", "caller_number", "language", "minutes", "seconds", "outcome", "tracking_numbers", "ticket_numbers",
          "notes")


def _seconds(minutes: str, seconds: str) -> int | None:
    try:
        total = int(minutes or 0) * 60 + int(seconds or 0)
    except ValueError:
        return None
    return total if 0 <= total <= MAX_DURATION_SECONDS else None


def _numbers(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part][:20]


@staff_required
def phone_call_new(request):
    source = request.POST if request.method == "POST" else request.GET
    form = {name: source.get(name, "") for name in FIELDS}
    if not form["tracking_numbers"]:
        form["tracking_numbers"] = request.GET.get("tracking", "")  # "Log a call" from a shipment prefills it
    error = ""
    if request.method == "POST":
        duration = _seconds(form.get("minutes", ""), form.get("seconds", ""))
        if any("\x00" in value for value in form.values()):  # PostgreSQL cannot store it: a clear 400, not a 500
            error = _("Please check the form.")
        elif duration is None:
            error = _("Give the call's length in minutes and seconds (up to 8 hours).")
        else:
            try:
                call = phone_call_log(
                    agent=request.user, direction=form.get("direction", ""), caller_number=form.get("caller_number", ""),
                    outcome=form.get("outcome", ""), duration_seconds=duration, notes=form.get("notes", "")[:5000],
                    language=form.get("language", ""), tracking_numbers=_numbers(form.get("tracking_numbers", "")),
                    ticket_numbers=_numbers(form.get("ticket_numbers", "")),
                )
            except ApplicationError as exc:
                error = {
                    "phone_invalid": _("That is not a phone number."),
                    "shipment_not_found": _("No shipment with that tracking number."),
                    "ticket_not_found": _("No ticket with that number."),
                }.get(exc.code, _("Please check the form."))
            else:
                return redirect(f"/inbox/c/{call.conversation_id}/")
    recent = phone_calls_visible_to(request.user).filter(agent=request.user)[:10]
    return render(request, "calls/log.html", {
        "nav": "calls", "form": form, "error": error, "directions": PhoneCall.Direction.choices,
        "outcomes": PhoneCall.Outcome.choices, "languages": Language.choices, "recent": recent,
    }, status=400 if error else 200)
