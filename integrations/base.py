"""The normalized shapes every channel adapter produces and consumes."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol


class Channel:
    WEBCHAT = "webchat"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    WECHAT = "wechat"
    PHONE = "phone"

    ALL = (WEBCHAT, SMS, WHATSAPP, WECHAT)


@dataclasses.dataclass(frozen=True)
class InboundMessage:
    """One customer message (or channel event) as every provider's webhook becomes it."""

    channel: str
    external_user_id: str  # E.164 phone for sms/whatsapp, OpenID for wechat, visitor id for webchat
    external_message_id: str  # provider id (MessageSid, MsgId, client uuid); unique per channel
    text: str
    timestamp: dt.datetime
    media: tuple[dict[str, str], ...] = ()  # ({"url": ..., "content_type": ...}, ...)
    event: str = ""  # "" for a message; "subscribe", "unsubscribe" for channel events
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class OutboundMessage:
    """One message to send on a channel."""

    channel: str
    to: str  # external user id
    text: str
    idempotency_key: str
    template_id: str = ""  # WhatsApp ContentSid when outside the 24-hour window
    template_variables: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    status: str  # "queued" | "sent" | "delivered" ...


class ProviderError(Exception):
    """A provider refused or failed a call. `retryable` says whether backoff may help."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.code = code


class ChannelSender(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...
