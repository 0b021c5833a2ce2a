"""Turns Twilio's inbound message and status-callback webhooks into normalized types."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from integrations.base import Channel, InboundMessage

WHATSAPP_PREFIX = "whatsapp:"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
MAX_MEDIA = 10  # Twilio delivers at most 10 media items per message

# https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
MESSAGE_STATUSES = frozenset(
    {
        "queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving", "received",
        "accepted", "scheduled", "read", "partially_delivered", "canceled",
    }
)


class PayloadError(ValueError):
    """A webhook payload is missing a field or has one Twilio never sends."""


@dataclasses.dataclass(frozen=True)
class StatusUpdate:
    """One delivery status callback for a message we sent."""

    message_sid: str
    status: str
    error_code: str = ""  # Twilio error code, e.g. "30007"; "" when none
    error_message: str = ""
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)


def _flat(form: Mapping[str, Any]) -> dict[str, str]:
    """First value of each field, whether `form` is a dict, a dict of lists or a QueryDict."""
    flat: dict[str, str] = {}
    for key in form.keys():
        value = form.get(key)  # QueryDict.get returns the last value; Twilio sends each field once
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        flat[key] = "" if value is None else str(value)
    return flat


def _required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise PayloadError(f"Twilio payload has no {name}")
    return value


def _message_sid(fields: dict[str, str]) -> str:
    sid = _required(fields, "MessageSid")
    if not _MESSAGE_SID.match(sid):
        raise PayloadError(f"MessageSid {sid!r} is not a Twilio message SID")
    return sid


def split_address(address: str) -> tuple[str, str]:
    """`whatsapp:+4915...` -> ("whatsapp", "+4915..."); `+4915...` -> ("sms", "+4915...")."""
    address = address.strip()
    channel = Channel.SMS
    if address.lower().startswith(WHATSAPP_PREFIX):
        channel, address = Channel.WHATSAPP, address[len(WHATSAPP_PREFIX):].strip()
    if not _E164.match(address):
        raise PayloadError(f"{address!r} is not an E.164 phone number")
    return channel, address


def parse_inbound(form: Mapping[str, Any], *, received_at: dt.datetime | None = None) -> InboundMessage:
    """One inbound SMS or WhatsApp message webhook (`POST /webhooks/twilio/`) as an InboundMessage."""
    fields = _flat(form)
    sid = _message_sid(fields)
    channel, phone = split_address(_required(fields, "From"))
    if fields.get("To"):
        to_channel, _ = split_address(fields["To"])
        if to_channel != channel:
            raise PayloadError("From and To are on different channels")
    try:
        num_media = int(fields.get("NumMedia") or 0)
    except ValueError:
        raise PayloadError(f"NumMedia {fields.get('NumMedia')!r} is not a number") from None
    if not 0 <= num_media <= MAX_MEDIA:
        raise PayloadError(f"NumMedia {num_media} is out of range")
    media = []
    for i in range(num_media):
        url = _required(fields, f"MediaUrl{i}")
        if not url.startswith(("https://", "http://")):
            raise PayloadError(f"MediaUrl{i} is not an http(s) URL")
        media.append({"url": url, "content_type": fields.get(f"MediaContentType{i}", "")})
    text = fields.get("Body", "")
    return InboundMessage(
        channel=channel,
        external_user_id=phone,
        external_message_id=sid,
        text=text,
        timestamp=received_at or dt.datetime.now(dt.timezone.utc),
        media=tuple(media),
        raw=fields,
    )


def parse_status_callback(form: Mapping[str, Any]) -> StatusUpdate:
    """One delivery status callback (`POST /webhooks/twilio/status/`) as a StatusUpdate."""
    fields = _flat(form)
    sid = _message_sid(fields)
    status = _required(fields, "MessageStatus").lower()
    if status not in MESSAGE_STATUSES:
        raise PayloadError(f"MessageStatus {status!r} is not a Twilio message status")
    return StatusUpdate(
        message_sid=sid,
        status=status,
        error_code=fields.get("ErrorCode", "").strip(),
        error_message=fields.get("ErrorMessage", "").strip(),
        raw=fields,
    )
