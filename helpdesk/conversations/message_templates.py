"""Approved templates (WhatsApp Content templates, WeChat template messages): which one a conversation may use, and
its placeholders filled from the conversation, its shipment and the agent.

Outside the reply window (WhatsApp 24 h, WeChat 48 h after the customer's last message) the provider delivers only a
template it approved, with values for its placeholders. Admins keep one `MessageTemplate` per template and language;
`variables` maps each placeholder to one of `SOURCES`.
"""
from __future__ import annotations

import dataclasses
import re

from django.db.models import QuerySet

from .models import Conversation, MessageTemplate, TemplateChannel

# {{1}} (WhatsApp), {{thing1.DATA}} / {{keyword1.DATA}} (WeChat)
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)(?:\.DATA)?\s*\}\}")
PROVIDER_ID = {
    TemplateChannel.WHATSAPP: (re.compile(r"^HX[0-9a-zA-Z]{32}$"), "a Content SID is HX followed by 32 characters"),
    TemplateChannel.WECHAT: (re.compile(r"^[A-Za-z0-9_-]{10,64}$"),
                             "a WeChat template_id is 10 to 64 letters, digits, '-' or '_'"),
}
MISSING = "—"  # a placeholder whose value is unknown (no ETA yet); WeChat refuses empty values


@dataclasses.dataclass(frozen=True)
class Source:
    label: str
    needs_shipment: bool


SOURCES: dict[str, Source] = {
    "tracking_number": Source("The shipment's tracking number", True),
    "shipment_status": Source("The shipment's status, in the template's language", True),
    "eta": Source("Expected delivery day", True),
    "delivery_window": Source("The booked delivery window (day and hours)", True),
    "station": Source("The delivery station's name", True),
    "agent_name": Source("The sending agent's name", False),
    "today": Source("Today's date", False),
}


def placeholders(body: str) -> list[str]:
    seen: list[str] = []
    for name in PLACEHOLDER.findall(body):
        if name not in seen:
            seen.append(name)
    return seen


def template_problems(template: MessageTemplate) -> dict[str, str]:
    """What is wrong with a template as an admin wrote it (empty when it can be used)."""
    problems = {}
    pattern, hint = PROVIDER_ID.get(template.channel, (None, ""))
    if pattern is not None and not pattern.match(template.provider_template_id or ""):
        problems["provider_template_id"] = f"Not a valid template id: {hint}."
    variables = template.variables if isinstance(template.variables, dict) else None
    if variables is None:
        return {**problems, "variables": 'Give an object: {"placeholder": "source"}.'}
    unknown = sorted({str(v) for v in variables.values()} - set(SOURCES))
    if unknown:
        problems["variables"] = f"Unknown source(s) {', '.join(unknown)}; use one of {', '.join(SOURCES)}."
    used = placeholders(template.body or "")
    if not used and template.channel == TemplateChannel.WECHAT:
        problems["body"] = "A WeChat template has at least one {{name.DATA}} placeholder."
    unfilled = [name for name in used if name not in variables]
    extra = [name for name in variables if name not in used]
    if unfilled:
        problems["body"] = f"No source given for placeholder(s) {', '.join(unfilled)}."
    elif extra:
        problems["variables"] = f"Placeholder(s) {', '.join(extra)} are not in the text."
    return problems


def _active(channel: str) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(channel=channel, active=True)


def templates_for(conversation: Conversation) -> list[MessageTemplate]:
    """The active templates of the conversation's channel, one per key: in its language, else English, else any.
    One query whatever the channel (none match SMS or web chat), so the conversation page's query count is the same
    for every conversation."""
    chosen: dict[str, MessageTemplate] = {}
    rank = {conversation.language: 0, "en": 1}
    for template in _active(conversation.channel).order_by("key", "language"):
        current = chosen.get(template.key)
        if current is None or rank.get(template.language, 2) < rank.get(current.language, 2):
            chosen[template.key] = template
    return sorted(chosen.values(), key=lambda t: t.label.lower())


def template_for(conversation: Conversation, *, key: str = "",
                 provider_template_id: str = "") -> MessageTemplate | None:
    """One active template of the conversation's channel, by key (in the best language) or by provider id."""
    if provider_template_id:
        candidates = list(_active(conversation.channel).filter(provider_template_id=provider_template_id))
        own = [t for t in candidates if t.language == conversation.language]
        return (own or candidates or [None])[0]
    return next((t for t in templates_for(conversation) if t.key == key), None)


def notice_template(*, channel: str, key: str, language: str) -> MessageTemplate | None:
    """The template delivery notices use on `channel` outside the window, in `language` (else English, else any)."""
    candidates = list(_active(channel).filter(key=key))
    for wanted in (language, "en"):
        for template in candidates:
            if template.language == wanted:
                return template
    return candidates[0] if candidates else None


def needs_shipment(template: MessageTemplate) -> bool:
    return any(SOURCES[source].needs_shipment for source in template.variables.values() if source in SOURCES)


def template_shipment(conversation: Conversation, *, tracking_number: str = ""):
    """The shipment a template speaks about: the one named, else the one most recently linked to the conversation."""
    shipments = conversation.shipments.select_related("station", "delivery_window")
    if tracking_number:
        return shipments.filter(tracking_number=tracking_number.strip().upper()).first()
    return shipments.order_by("-pk").first()


def _source_value(source: str, *, language: str, shipment, agent) -> str:
    from django.utils import timezone

    from helpdesk.shipments import notice_texts
    from helpdesk.shipments.labels import status_label

    if source == "agent_name":
        return (agent.get_full_name() or agent.get_username()) if agent is not None else "ParcelDesk"
    if source == "today":
        return notice_texts.day_text(timezone.localdate(), language)
    if shipment is None:
        return MISSING
    if source == "tracking_number":
        return shipment.tracking_number
    if source == "shipment_status":
        return status_label(shipment.status, language)
    if source == "eta":
        return notice_texts.day_text(shipment.eta, language) if shipment.eta else MISSING
    if source == "delivery_window":
        window = shipment.delivery_window
        if window is None:
            return MISSING
        return f"{notice_texts.day_text(window.date, language)} {window.start:%H:%M}-{window.end:%H:%M}"
    if source == "station":
        return shipment.station.name if shipment.station_id else MISSING
    return MISSING


def template_values(template: MessageTemplate, *, shipment=None, agent=None) -> dict[str, str]:
    """Each placeholder's value, ready for the provider (WeChat's length limits applied)."""
    from integrations.wechat.client import wechat_value_fit

    values = {}
    for name, source in template.variables.items():
        value = _source_value(source, language=template.language, shipment=shipment, agent=agent) or MISSING
        if template.channel == TemplateChannel.WECHAT:
            value = wechat_value_fit(name, value)
        values[name] = value
    return values


def template_render(template: MessageTemplate, values: dict[str, str]) -> str:
    """The text the customer reads: the approved body with its placeholders filled."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), MISSING), template.body).strip()


_LATEST = object()


def template_options(conversation: Conversation, *, agent=None, shipment=_LATEST) -> list[dict]:
    """The picker: each template the conversation may use, with the text the customer would read, filled from
    `shipment` (default: the one most recently linked to the conversation)."""
    if shipment is _LATEST:
        shipment = template_shipment(conversation)
    options = []
    for template in templates_for(conversation):
        blocked = needs_shipment(template) and shipment is None
        options.append({
            "key": template.key, "label": template.label, "language": template.language,
            "provider_template_id": template.provider_template_id, "needs_shipment": needs_shipment(template),
            "ready": not blocked,
            "preview": template_render(template, template_values(template, shipment=shipment, agent=agent)),
        })
    return options
