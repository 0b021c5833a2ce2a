"""Agents' pages. Reads come from selectors, every change goes through the REST API's services."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _, gettext_lazy

from helpdesk.conversations.message_templates import template_options
from helpdesk.conversations.messaging import REPLY_WINDOWS, reply_window_open
from helpdesk.conversations.models import Message
from helpdesk.conversations.selectors import (
    INBOX_COUNT_CAP, QUEUES, conversation_thread, conversations_visible_to, customer_other_conversations,
    inbox_conversations, inbox_counts,
)
from helpdesk.customers.models import Language
from helpdesk.network.selectors import delivery_windows_available, pickup_points_near
from helpdesk.shipments.models import DeliveryAttempt, Shipment, TrackingEvent
from helpdesk.accounts.models import Team
from helpdesk.tickets.models import Category, Priority, TicketStatus
from helpdesk.tickets.services import ALLOWED_TRANSITIONS
from helpdesk.tickets.selectors import tickets_visible_to

from .access import staff_required
from .canned import canned_replies

CHANNELS = [("webchat", gettext_lazy("Web chat")), ("sms", gettext_lazy("SMS")), ("whatsapp", gettext_lazy("WhatsApp")),
            ("wechat", gettext_lazy("WeChat")), ("phone", gettext_lazy("Phone"))]


@staff_required
def inbox(request):
    queue = request.GET.get("queue") or "waiting"
    filters = {
        "channel": request.GET.get("channel", ""),
        "language": request.GET.get("language", ""),
        "search": request.GET.get("q", ""),
        "sla_soon": request.GET.get("sla") == "soon",
    }
    conversations = inbox_conversations(request.user, queue=queue, **filters)
    return render(request, "inbox/inbox.html", {
        "nav": "inbox", "queue": queue, "queues": QUEUES, "counts": inbox_counts(request.user), "count_cap": INBOX_COUNT_CAP,
        "conversations": conversations, "filters": filters, "channels": CHANNELS, "languages": Language.choices,
        "team_id": getattr(request.user.agent_profile, "team_id", None),
    })


@staff_required
def conversation(request, pk: int):
    convo = conversations_visible_to(request.user).select_related("identity").filter(pk=pk).first()
    if convo is None:
        raise Http404(_("No such conversation in your queues."))
    before = request.GET.get("before", "")
    paged_back = before.isdigit() and len(before) <= 18  # a message id; anything else shows the latest messages
    messages, earlier = conversation_thread(convo, before=int(before) if paged_back else None)
    shipments = list(
        Shipment.objects.filter(conversations=convo)
        .select_related("station", "courier", "delivery_window", "pickup_point")
        .prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")),
            Prefetch("attempts", queryset=DeliveryAttempt.objects.select_related("courier").order_by("-attempted_at")),
        )
    )
    panels = [
        {
            "shipment": s,
            "windows": list(delivery_windows_available(station=s.station)),
            "points": pickup_points_near(city=s.city, latitude=s.latitude, longitude=s.longitude),
        }
        for s in shipments
    ]
    window = REPLY_WINDOWS.get(convo.channel)
    agent_name = request.user.get_full_name() or request.user.username
    return render(request, "inbox/conversation.html", {
        "nav": "inbox", "c": convo, "messages": messages, "earlier": earlier, "paged_back": paged_back,
        "panels": panels,
        "window_open": reply_window_open(convo), "window_hours": int(window.total_seconds() // 3600) if window else None,
        # the shipment most recently linked fills the templates (as the API does), from what is loaded already
        "templates": template_options(convo, agent=request.user,
                                      shipment=max(shipments, key=lambda s: s.pk, default=None)),
        "canned": canned_replies(convo.language, agent_name),
        "opted_out": bool(convo.identity and convo.identity.opted_out_at),
        "tickets": list(tickets_visible_to(request.user).filter(conversation=convo).order_by("-created_at")),
        # the same customer on their other channels (linked by verified phone): one query, this agent's teams only
        "others": customer_other_conversations(request.user, convo),
        "categories": Category.choices, "priorities": Priority.choices,
    })


@staff_required
def tickets(request):
    qs = tickets_visible_to(request.user).prefetch_related("shipments").order_by("-created_at")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    # Drill-down from the reports: the tickets behind a number.
    for param, lookup in (("category", "category"), ("priority", "priority"), ("station", "shipments__station__code"),
                          ("courier", "shipments__courier__code"), ("channel", "channel")):
        if request.GET.get(param):
            qs = qs.filter(**{lookup: request.GET[param]})
    if request.GET.get("from"):
        qs = qs.filter(created_at__date__gte=request.GET["from"]) if _is_date(request.GET["from"]) else qs
    if request.GET.get("to"):
        qs = qs.filter(created_at__date__lte=request.GET["to"]) if _is_date(request.GET["to"]) else qs
    qs = qs.distinct()
    if request.GET.get("q"):
        term = request.GET["q"].strip().upper()
        qs = qs.filter(number=term) | qs.filter(shipments__tracking_number=term)
    return render(request, "inbox/tickets.html", {"nav": "tickets", "tickets": list(qs[:100]), "status": status})


@staff_required
def ticket(request, number: str):
    ticket = tickets_visible_to(request.user).prefetch_related("shipments", "comments__author", "history__actor").filter(
        number=number.upper()).first()
    if ticket is None:
        raise Http404(_("No such ticket in your queues."))
    profile = request.user.agent_profile
    teams = Team.objects.order_by("name")
    agents = get_user_model().objects.filter(agent_profile__isnull=False).select_related("agent_profile__team")
    if not profile.sees_all_teams:  # an agent hands work within the team, or to a team as a whole
        agents = agents.filter(agent_profile__team_id=profile.team_id)
    history = list(ticket.history.all())
    _describe_changes(history)
    return render(request, "inbox/ticket.html", {
        "nav": "tickets", "t": ticket, "teams": teams, "agents": agents.order_by("username"), "history": history,
        "next_statuses": [(s, TicketStatus(s).label) for s in TicketStatus.values if s in ALLOWED_TRANSITIONS[ticket.status]],
    })


def _describe_changes(history) -> None:
    """Each history entry gets `changes`: (field, before, after) in words, for the fields that changed."""
    fields = {"status": _("Status"), "priority": _("Priority"), "category": _("Category"), "team": _("Team"),
              "assignee": _("Assignee")}
    team_ids = {e.get(k) for h in history for e in (h.before, h.after) if isinstance(e, dict) for k in ("team",)}
    user_ids = {e.get(k) for h in history for e in (h.before, h.after) if isinstance(e, dict) for k in ("assignee",)}
    teams = dict(Team.objects.filter(pk__in=team_ids - {None}).values_list("pk", "name"))
    users = {u.pk: u.get_full_name() or u.get_username() for u in get_user_model().objects.filter(pk__in=user_ids - {None})}
    words = {"status": lambda v: TicketStatus(v).label if v in TicketStatus.values else v,
             "priority": lambda v: Priority(v).label if v in Priority.values else v,
             "category": lambda v: Category(v).label if v in Category.values else v,
             "team": lambda v: teams.get(v, v), "assignee": lambda v: users.get(v, v)}
    for h in history:
        before, after = (h.before or {}), (h.after or {})
        h.changes = []
        for key, label in fields.items():
            if key in after and (before.get(key) != after[key]) and (before or after[key] not in (None, "")):
                show = lambda v: "—" if v in (None, "") else str(words[key](v))  # noqa: E731
                h.changes.append((label, show(before.get(key)) if before else "", show(after[key])))
        if "internal" in after:
            h.changes.append((_("Comment"), "", _("internal") if after["internal"] else _("to the customer")))


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def message_css(message: Message) -> str:
    if message.is_internal_note and message.sender_kind == Message.SenderKind.AGENT:
        return "note"
    return message.sender_kind
