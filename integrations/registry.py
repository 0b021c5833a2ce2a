"""Maps a channel name to the sender that delivers on it, built from that provider's plain settings dict."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from integrations.base import Channel, ChannelSender


def _twilio(sender_setting: str) -> Callable[[Mapping[str, Any]], ChannelSender | None]:
    def build(config: Mapping[str, Any]) -> ChannelSender | None:
        if not (config.get("account_sid") and config.get("auth_token") and config.get(sender_setting)):
            return None
        from integrations.twilio.client import TwilioSender

        return TwilioSender(
            config["account_sid"], config["auth_token"],
            from_sms=config.get("from_sms", ""), from_whatsapp=config.get("from_whatsapp", ""),
            api_base=config.get("api_base") or None, status_callback=config.get("status_callback") or None,
        )

    return build


def _wechat(config: Mapping[str, Any]) -> ChannelSender | None:
    if not (config.get("app_id") and config.get("app_secret")):
        return None
    from integrations.wechat.client import WeChatSender

    return WeChatSender(config["app_id"], config["app_secret"], api_base=config.get("api_base") or None,
                        token_store=config.get("token_store"))


SENDERS: dict[str, Callable[[Mapping[str, Any]], ChannelSender | None]] = {
    Channel.SMS: _twilio("from_sms"),
    Channel.WHATSAPP: _twilio("from_whatsapp"),
    Channel.WECHAT: _wechat,
}


_built: dict[tuple, ChannelSender | None] = {}
_built_lock = threading.Lock()


def build_sender(channel: str, config: Mapping[str, Any] | None) -> ChannelSender | None:
    """The sender for `channel`, or None when the channel has no adapter here or its settings are unset.

    `config` is the provider's settings block (settings.TWILIO / settings.WECHAT): account_sid,
    auth_token, from_sms, from_whatsapp, api_base, status_callback / app_id, app_secret,
    api_base, token_store (a wechatpy SessionStorage, e.g. Redis).

    A process keeps one sender per channel and settings (unless a token store comes with them), so its HTTP
    connection to the provider stays open from one message to the next instead of a new TCP (and TLS) handshake
    for each.
    """
    build = SENDERS.get(channel)
    if build is None:
        return None
    if config and config.get("token_store") is not None:  # holds state of its own: build afresh
        return build(config)
    key = (os.getpid(), channel, tuple(sorted((k, repr(v)) for k, v in (config or {}).items())))
    with _built_lock:
        if key not in _built:
            _built[key] = build(config or {})
        return _built[key]
