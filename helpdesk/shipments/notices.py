"""Proactive delivery notices: what a courier scan tells the recipient, on their channel, in their language, once.

A notice is recorded in the scan's transaction (`delivery_notices_record`) and sent by a task after commit
(`delivery_notice_send`); a sweeper sends any the worker missed. Sending reuses the messaging services: the
notice becomes an outbound message of the recipient's conversation and goes out through the channel's adapter
with its rules (opt-outs, the WhatsApp 24-hour and WeChat 48-hour windows).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import notice_texts
from .models import DeliveryNotice, Shipment, ShipmentStatus

logger = logging.getLogger(__name__)

PENDING_GRACE = dt.timedelta(seconds=30)  # the sweeper leaves fresh notices to the task kicked on commit


# --- Where a message to the recipient goes ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RecipientRoute:
    """The conversation a proactive message goes into, and the template to use outside the reply window."""

    conversation: object | None
    template_id: str = ""  # a fixed WhatsApp ContentSid (WHATSAPP_NOTICE_TEMPLATE) when no notice template is kept
    template_key: str = ""  # an approved MessageTemplate (NOTICE_TEMPLATE_KEY), filled in the recipient's language
    skipped_reason: str = ""


def _opted_out(channel: str, external_user_id: str, identity=None) -> bool:
    from helpdesk.customers.models import ChannelIdentity

    if identity is None:
        identity = ChannelIdentity.objects.filter(channel=channel, external_id=external_user_id).first()
    return identity is not None and identity.opted_out_at is not None


def _open_conversation(channel: str, external_user_id: str):
    from helpdesk.conversations.services import conversation_for_identity

    return conversation_for_identity(channel=channel, external_user_id=external_user_id)


def _sms_route(phone: str) -> RecipientRoute:
    if not phone:
        return RecipientRoute(None, skipped_reason="no phone on file")
    if _opted_out("sms", phone):
        return RecipientRoute(None, skipped_reason="the recipient opted out of SMS (STOP)")
    return RecipientRoute(_open_conversation("sms", phone))


def recipient_route(*, shipment: Shipment, free_form: bool = False) -> RecipientRoute:
    """The recipient's most recent conversation on their channel (or a new one on it), opening one if needed.

    Only conversations that belong to the recipient count: the shipment's customer's, or ones proven to be
    the phone on file (the channel phone, or a confirmed one-time code), since a notice may carry the
    handover code. Without one, the notice goes by SMS to the phone on file. A closed web chat cannot be
    reached (the visitor is gone), so it falls back to SMS. Outside the reply window WhatsApp (24 h) and WeChat
    (48 h) get the approved notice template (`NOTICE_TEMPLATE_KEY`, filled from the shipment; on WhatsApp, without
    one, the fixed `WHATSAPP_NOTICE_TEMPLATE`); WeChat without an active notice template, and `free_form` messages
    (a bot turn such as the NPS survey cannot be a template), go by SMS instead. An opted-out channel is never
    replaced by another one.
    """
    from helpdesk.conversations.models import MessageTemplate
    from helpdesk.conversations.messaging import reply_window_open
    from helpdesk.conversations.models import Conversation, ConversationState

    phone = shipment.recipient_phone
    mine = Q(verified_phone=phone) | Q(channel__in=("sms", "whatsapp"), external_user_id=phone)
    if shipment.customer_id:
        mine |= Q(customer_id=shipment.customer_id)
    latest = (
        Conversation.objects.filter(mine).select_related("identity")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id").first()
    )
    if latest is None:
        return _sms_route(phone)
    channel, address = latest.channel, latest.external_user_id
    if _opted_out(channel, address, latest.identity):
        return RecipientRoute(None, skipped_reason=f"the recipient opted out of {channel}")
    if channel == "webchat":
        return RecipientRoute(latest) if latest.state != ConversationState.CLOSED else _sms_route(phone)
    window_open = reply_window_open(latest)  # the window runs from the customer's last message on the channel
    template_key = ""
    if not window_open and channel in ("whatsapp", "wechat"):
        if free_form:
            return _sms_route(phone)
        if MessageTemplate.objects.filter(channel=channel, key=settings.NOTICE_TEMPLATE_KEY, active=True).exists():
            template_key = settings.NOTICE_TEMPLATE_KEY
        elif channel == "wechat":
            return _sms_route(phone)
    conversation = latest if latest.state != ConversationState.CLOSED else _open_conversation(channel, address)
    if template_key:
        return RecipientRoute(conversation, template_key=template_key)
    if channel == "whatsapp" and not window_open:
        return RecipientRoute(conversation, template_id=settings.WHATSAPP_NOTICE_TEMPLATE)
    return RecipientRoute(conversation)


def recipient_language(*, shipment: Shipment, conversation) -> str:
    """The conversation's language once the customer has written in it; for a new one, the customer's."""
    if conversation.last_inbound_at is None and shipment.customer_id:
        return shipment.customer.language
    return conversation.language


# --- Recording and sending notices ---------------------------------------------------------------


NOTICE_CHUNK = 5  # notices per task: short tasks, so a worker is soon free for more urgent work
# Proactive messages yield to everything else. They go to the "notices" queue (settings.CELERY_TASK_ROUTES), which
# production serves with its own niced worker; where one worker serves every queue (development, tests) they also
# carry priority 6, and on the Redis broker priority 0 (customers' own chats, the dispatch push) is served first.
# Either way a burst of scans never delays a chat reply or the push to dispatch.
PROACTIVE_PRIORITY = 6


def delivery_notices_record(*, notices: list[DeliveryNotice]) -> list[DeliveryNotice]:
    """Record a batch's notices in one statement; after commit the workers send them."""
    if not notices:
        return []
    created = DeliveryNotice.objects.bulk_create(notices)
    ids = [notice.pk for notice in created]
    transaction.on_commit(lambda: delivery_notices_kick(ids))
    return created


def delivery_notices_kick(notice_ids: list[int]) -> None:
    """After commit: a few notices go straight to a task; a scan batch's hundreds go as one task that fans them out
    in the worker, so the request that carried the scans does not wait for hundreds of broker round trips (200
    publishes took ~10 s of a 1,000-scan request on a loaded machine, profiled)."""
    from .tasks import delivery_notices_fan_out, delivery_notices_send

    try:
        if len(notice_ids) <= NOTICE_CHUNK:
            delivery_notices_send.apply_async((list(notice_ids),), priority=PROACTIVE_PRIORITY)
        else:
            delivery_notices_fan_out.apply_async((list(notice_ids),), priority=PROACTIVE_PRIORITY)
    except Exception:  # committed already; the sweeper sends them
        logger.warning("could not schedule %s delivery notices; the sweeper will", len(notice_ids), exc_info=True)


def delivery_notices_schedule(*, notice_ids: list[int]) -> None:
    """Split notices into short tasks (NOTICE_CHUNK each) for the workers."""
    from .tasks import delivery_notices_send

    for i in range(0, len(notice_ids), NOTICE_CHUNK):
        delivery_notices_send.apply_async((notice_ids[i:i + NOTICE_CHUNK],), priority=PROACTIVE_PRIORITY)


def _superseded(notice: DeliveryNotice, shipment: Shipment) -> bool:
    """A later scan made the notice wrong (e.g. "out for delivery" when it is already delivered)."""
    if notice.kind == DeliveryNotice.Kind.OUT_FOR_DELIVERY:
        return shipment.status != ShipmentStatus.OUT_FOR_DELIVERY
    if notice.kind == DeliveryNotice.Kind.ATTEMPT_FAILED:
        return shipment.status != ShipmentStatus.DELIVERY_FAILED
    if notice.kind == DeliveryNotice.Kind.DELAYED:
        return shipment.status in (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED)
    return False


def _local(moment: dt.datetime, shipment: Shipment) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(shipment.station.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return moment.astimezone(zone)


def delivery_notice_text(*, notice: DeliveryNotice, language: str, now: dt.datetime | None = None) -> str:
    shipment, payload = notice.shipment, notice.payload
    today = _local(now or timezone.now(), shipment).date()
    tn = shipment.tracking_number
    if notice.kind == DeliveryNotice.Kind.OUT_FOR_DELIVERY:
        window = payload.get("window") or {}
        day = dt.date.fromisoformat(payload["date"])
        when = notice_texts.window_text(day, window.get("start"), window.get("end"), language, today=today)
        return notice_texts.out_for_delivery_text(language=language, tracking_number=tn, when=when,
                                                  code=payload["handover_code"])
    if notice.kind == DeliveryNotice.Kind.DELAYED:
        return notice_texts.delayed_text(language=language, tracking_number=tn,
                                         eta=dt.date.fromisoformat(payload["eta"]),
                                         previous=dt.date.fromisoformat(payload["previous_eta"]))
    at = _local(parse_datetime(payload["at"]), shipment)
    when = notice_texts.moment_text(at, language, today=today)
    if notice.kind == DeliveryNotice.Kind.ATTEMPT_FAILED:
        return notice_texts.attempt_failed_text(language=language, tracking_number=tn, when=when,
                                                reason=payload["reason"])
    return notice_texts.delivered_text(language=language, tracking_number=tn, when=when,
                                       otp_confirmed=payload.get("otp_confirmed", False),
                                       signed_by=payload.get("signed_by", ""), photo_url=payload.get("photo_url", ""))


def _skip(notice: DeliveryNotice, reason: str) -> str:
    DeliveryNotice.objects.filter(pk=notice.pk).update(status=DeliveryNotice.Status.SKIPPED,
                                                       skipped_reason=reason[:200])
    return "skipped"


def delivery_notice_send(*, notice_id: int) -> str:
    """Put one pending notice into the recipient's conversation and schedule its sending. Idempotent."""
    from helpdesk.conversations.messaging import bot_replies_store
    from helpdesk.conversations.models import Message

    with transaction.atomic():
        notice = (
            DeliveryNotice.objects.select_for_update(of=("self",))
            .select_related("shipment__station", "shipment__customer").filter(pk=notice_id).first()
        )
        if notice is None or notice.status != DeliveryNotice.Status.PENDING:
            return "done"
        shipment = notice.shipment
        if _superseded(notice, shipment):
            return _skip(notice, "superseded by a later scan")
        route = recipient_route(shipment=shipment)
        if route.conversation is None:
            return _skip(notice, route.skipped_reason)
        conversation = route.conversation
        language = recipient_language(shipment=shipment, conversation=conversation)
        template, values = None, {}
        if route.template_key:
            from helpdesk.conversations.message_templates import notice_template, template_render, template_values

            template = notice_template(channel=conversation.channel, key=route.template_key, language=language)
        if template is not None:  # the customer reads the approved text, filled from the shipment
            values = template_values(template, shipment=shipment)
            text = template_render(template, values)
        else:
            text = delivery_notice_text(notice=notice, language=language)
        [message] = bot_replies_store(conversation=conversation, replies=[{"text": text}])
        if template is not None:
            Message.objects.filter(pk=message.pk).update(template_id=template.provider_template_id,
                                                         template_variables=values)
        elif route.template_id:
            Message.objects.filter(pk=message.pk).update(template_id=route.template_id)
        conversation.shipments.add(shipment)
        DeliveryNotice.objects.filter(pk=notice.pk).update(
            status=DeliveryNotice.Status.SENT, conversation=conversation, message=message, sent_at=timezone.now()
        )
        from helpdesk.conversations.tasks import conversation_outbound_flush

        conversation_id = conversation.pk
        transaction.on_commit(
            lambda: conversation_outbound_flush.apply_async((conversation_id,), queue="notices",
                                                        priority=PROACTIVE_PRIORITY))
    return "sent"


def delivery_notices_pending(*, limit: int = 500) -> list[int]:
    """Notices still waiting some time after their scan (the worker was down or the kick was lost)."""
    cutoff = timezone.now() - PENDING_GRACE
    return list(
        DeliveryNotice.objects.filter(status=DeliveryNotice.Status.PENDING, created_at__lt=cutoff)
        .order_by("created_at").values_list("id", flat=True)[:limit]
    )
