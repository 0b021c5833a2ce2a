"""Reads about shipments: what a given viewer may see of one, and lists for agents."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from helpdesk.core.errors import NotFound
from helpdesk.customers.phones import phone_mask

from .labels import status_label
from .models import DeliveryAttempt, Shipment, ShipmentStatus, TrackingEvent


def shipments_visible_to(user) -> QuerySet[Shipment]:
    """Supervisors, admins and agents permitted to see all teams see every shipment. An agent sees a shipment that is
    nobody's work yet (no conversation or ticket is about it) or that a conversation or ticket they see is about
    (their team's, or not routed yet), like `conversations_visible_to`; another team's shipment is not there."""
    from helpdesk.conversations.models import Conversation
    from helpdesk.tickets.models import Ticket

    profile = getattr(user, "agent_profile", None)
    if profile is None:
        return Shipment.objects.none()
    if profile.sees_all_teams:
        return Shipment.objects.all()
    chats = Conversation.shipments.through.objects.filter(shipment_id=OuterRef("pk"))
    tickets = Ticket.shipments.through.objects.filter(shipment_id=OuterRef("pk"))
    mine = Q(team__isnull=True) | Q(team_id=profile.team_id)
    return Shipment.objects.filter(
        Exists(chats.filter(conversation__in=Conversation.objects.filter(mine)))
        | Exists(tickets.filter(ticket__in=Ticket.objects.filter(mine)))
        | (~Exists(chats) & ~Exists(tickets))
    )


def shipment_get(*, tracking_number: str, viewer=None) -> Shipment:
    """One shipment by tracking number; with `viewer`, only one they may see (another team's is "not found" too)."""
    qs = Shipment.objects if viewer is None else shipments_visible_to(viewer)
    shipment = (
        qs.select_related("station", "courier", "pickup_point", "delivery_window")
        .filter(tracking_number=tracking_number.strip().upper())
        .first()
    )
    if shipment is None:
        raise NotFound("shipment_not_found", f"No shipment with tracking number {tracking_number!r}.")
    return shipment


def shipments_for_agents(user) -> QuerySet[Shipment]:
    return shipments_visible_to(user).select_related("station", "courier", "pickup_point", "delivery_window").order_by(
        "-created_at")


def shipment_timeline(shipment: Shipment) -> Shipment:
    return (
        Shipment.objects.select_related("station", "courier", "pickup_point", "delivery_window")
        .prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id")),
            Prefetch("attempts", queryset=DeliveryAttempt.objects.select_related("courier")),
            "changes",
        )
        .get(pk=shipment.pk)
    )


def _mask_name(name: str) -> str:
    return " ".join(part[0] + "*" for part in name.split()) if name else ""  # hides length too


def shipment_view(shipment: Shipment, *, verified: bool, language: str = "en") -> dict:
    """What the bot may tell a customer: full detail when verified, a masked status otherwise."""
    last_event = shipment.events.order_by("-occurred_at", "-id").first()
    window = shipment.delivery_window
    view = {
        "tracking_number": shipment.tracking_number,
        "verified": verified,
        "masked": not verified,
        "status": shipment.status,
        "status_label": status_label(shipment.status, language),
        "last_event": (
            {"at": last_event.occurred_at.isoformat(), "description": last_event.description, "location": last_event.location}
            if last_event
            else None
        ),
        "eta": shipment.eta.isoformat() if shipment.eta else None,
        "promised_window": (
            {"date": window.date.isoformat(), "start": f"{window.start:%H:%M}", "end": f"{window.end:%H:%M}"} if window else None
        ),
        "recipient_name": shipment.recipient_name if verified else _mask_name(shipment.recipient_name),
        "address": None,
        "pickup_point": None,
        "proof_of_delivery": None,
        "can_change": shipment.changeable,
        "phone_hint": phone_mask(shipment.recipient_phone),
    }
    if verified:
        view["address"] = f"{shipment.address}, {shipment.city}"
        if shipment.pickup_point:
            point = shipment.pickup_point
            view["pickup_point"] = {"id": point.id, "kind": point.kind, "name": point.name, "address": point.address}
        if shipment.status == ShipmentStatus.DELIVERED:
            attempt = shipment.attempts.filter(outcome=DeliveryAttempt.Outcome.DELIVERED).order_by("-attempted_at").first()
            view["proof_of_delivery"] = {
                "delivered_at": (shipment.delivered_at or (attempt and attempt.attempted_at)).isoformat()
                if (shipment.delivered_at or attempt)
                else None,
                "photo_url": attempt.proof_photo_url if attempt else "",
                "signed_by": attempt.signed_by if attempt else "",
                "method": ("otp" if attempt.otp_confirmed else "signature" if attempt.signed_by else "photo") if attempt else "",
            }
    return view
