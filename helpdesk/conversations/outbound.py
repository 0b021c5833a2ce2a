"""Sends text out through a channel's adapter; the adapters themselves know nothing of models."""
from __future__ import annotations

import logging

from django.conf import settings

from integrations.base import OutboundMessage

logger = logging.getLogger(__name__)


def channel_config(channel: str) -> dict:
    if channel in ("sms", "whatsapp"):
        return settings.TWILIO
    if channel == "wechat":
        return {**settings.WECHAT, "token_store": _wechat_token_store()}
    return {}


def _wechat_token_store():
    """The access_token is shared by every worker through Redis (WeChat allows few token requests a day)."""
    import redis
    from wechatpy.session.redisstorage import RedisStorage

    return RedisStorage(redis.Redis.from_url(settings.REDIS_URL), prefix="parceldesk-wechat")


def sms_send_direct(*, to: str, text: str, idempotency_key: str) -> str:
    """Send an SMS outside any conversation (one-time codes). Without Twilio settings it is logged, for the demo."""
    from integrations.registry import build_sender

    sender = build_sender("sms", channel_config("sms"))
    if sender is None:
        logger.warning("SMS provider not configured; SMS to %s not sent: %s", to, text)
        return "not-configured"
    result = sender.send(OutboundMessage(channel="sms", to=to, text=text, idempotency_key=idempotency_key))
    return result.provider_message_id
