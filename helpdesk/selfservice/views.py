"""The public tracking page's delivery-preference form. The visitor proves they are the recipient with a one-time
code texted to the phone on file (as in the chat); the proof is kept in their session for a while."""
from __future__ import annotations

import datetime as dt
import time

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpdesk.core.errors import ApplicationError
from helpdesk.customers.phones import phone_mask
from helpdesk.shipments.models import Shipment
from helpdesk.shipments.services import Actor

from .models import DeliveryMethod, TimeSlot
from .selectors import pickup_points_of_kind, shipment_delivery_preference
from .services import delivery_preference_set, page_code_confirm, page_code_send

SESSION_KEY = "selfservice.verified"
VERIFIED_FOR_SECONDS = 30 * 60

ERRORS = {
    "otp_invalid": lambda e: _("That code is not right. %(left)s tries left.") % {"left": e.extra.get("attempts_left")},
    "otp_expired": lambda e: _("The code has expired. Ask for a new one."),
    "otp_locked": lambda e: _("Too many wrong codes. Ask for a new code."),
    "otp_not_started": lambda e: _("Ask for a code first."),
    "otp_too_many_requests": lambda e: _("Too many codes were sent to this phone; try again in an hour."),
    "shipment_not_changeable": lambda e: _("The parcel is out for delivery or delivered; preferences can no longer "
                                           "be changed."),
    "pickup_point_required": lambda e: _("Choose the station or locker."),
    "appointment_date_invalid": lambda e: _("Choose an appointment day from tomorrow to 14 days ahead."),
}


def _language() -> str:
    code = (translation.get_language() or "en").lower()
    return code if code in ("zh-hans", "zh-hant", "ru") else "en"


def _verified(request, shipment: Shipment) -> bool:
    proofs = request.session.get(SESSION_KEY, {})
    return proofs.get(str(shipment.pk), 0) > time.time()


def _message(exc: ApplicationError) -> str:
    return ERRORS[exc.code](exc) if exc.code in ERRORS else exc.detail


@require_http_methods(["GET", "POST"])
def delivery_preferences(request, tracking_number: str):
    shipment = Shipment.objects.select_related("station").filter(tracking_number=tracking_number).first()
    if shipment is None:
        return render(request, "selfservice/preferences.html", {
            "language": _language(), "number": tracking_number,
            "error": _("We could not find %(number)s. Check the number on your receipt or SMS.") % {
                "number": tracking_number}}, status=404)
    context = {"language": _language(), "number": shipment.tracking_number, "shipment": shipment,
               "phone_hint": phone_mask(shipment.recipient_phone), "error": None, "saved": False,
               "code_sent": request.GET.get("sent") == "1"}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "send":
                page_code_send(shipment=shipment, language=_language())
                return redirect(f"{request.path}?sent=1")
            if action == "confirm":
                page_code_confirm(shipment=shipment, code=request.POST.get("code", "")[:20])
                proofs = request.session.get(SESSION_KEY, {})
                proofs[str(shipment.pk)] = time.time() + VERIFIED_FOR_SECONDS
                request.session[SESSION_KEY] = proofs
                return redirect(request.path)
            if action == "save" and _verified(request, shipment):
                _save(request, shipment)
                return redirect(f"{request.path}?saved=1")
            context["error"] = _("Please verify with the code first.")
            status = 403
        except ApplicationError as exc:
            context["error"] = _message(exc)
            context["code_sent"] = action == "confirm"
            status = exc.status
    context["verified"] = _verified(request, shipment)
    if context["verified"]:
        preference = shipment_delivery_preference(shipment) or {}
        context.update(
            saved=request.GET.get("saved") == "1", preference=preference,
            methods=DeliveryMethod.choices, slots=TimeSlot.choices,
            stations=list(pickup_points_of_kind(shipment=shipment, kind="station")),
            lockers=list(pickup_points_of_kind(shipment=shipment, kind="locker")),
            chosen_slots=[s["slot"] for s in preference.get("time_slots", [])],
            chosen_point=(preference.get("pickup_point") or {}).get("code"),
            tomorrow=(timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            changeable=shipment.changeable,
        )
    return render(request, "selfservice/preferences.html", context, status=status)


def _save(request, shipment: Shipment) -> None:
    method = request.POST.get("method", "")
    point_code = request.POST.get(f"point_{method}", "") if method in ("station", "locker") else ""
    point_id = None
    if point_code:
        point = pickup_points_of_kind(shipment=shipment, kind=method).filter(code=point_code).first()
        if point is None:
            raise ApplicationError("pickup_point_required", "Choose the station or locker.")
        point_id = point.id
    day = request.POST.get("appointment_date", "").strip()
    try:
        appointment = dt.date.fromisoformat(day) if day else None
    except ValueError:
        raise ApplicationError("appointment_date_invalid", "Not a date.") from None
    delivery_preference_set(
        shipment=shipment, actor=Actor(kind="customer"), method=method, pickup_point_id=point_id,
        time_slots=request.POST.getlist("slots"), appointment_date=appointment,
        instructions=request.POST.get("instructions", "")[:300], channel="tracking_page",
    )
