"""Turns the XML a WeChat Official Account server posts into a normalized InboundMessage."""
from __future__ import annotations

import datetime as dt
from typing import Any

import xmltodict
from xml.parsers.expat import ExpatError

from integrations.base import Channel, InboundMessage

# What a message type's media looks like to the hub; WeChat gives a MediaId to download, not a MIME type.
_MEDIA_CONTENT_TYPES = {"image": "image/jpeg", "video": "video/mp4", "shortvideo": "video/mp4"}


class PayloadError(ValueError):
    """A WeChat payload is not well-formed XML, or lacks a field WeChat always sends."""


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """The fields of a WeChat `<xml>...</xml>` document (external entities are never resolved)."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError("WeChat payload is not UTF-8") from None
    if not body.strip():
        raise PayloadError("WeChat payload is empty")
    try:
        document = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise PayloadError(f"WeChat payload is not valid XML: {exc}") from None
    fields = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        raise PayloadError("WeChat payload has no <xml> root element")
    return {key: ("" if value is None else value) for key, value in fields.items()}


def _required(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"WeChat payload has no {name}")
    return value.strip()


def parse_inbound(body: bytes | str) -> InboundMessage:
    """One plaintext (already decrypted) message or event from WeChat as an InboundMessage.

    Messages keep WeChat's MsgId as the external id. Events have none, so their id is
    FromUserName:CreateTime:Event, which is also what WeChat's own retries repeat.
    """
    fields = parse_xml(body)
    openid = _required(fields, "FromUserName")
    _required(fields, "ToUserName")
    created = _required(fields, "CreateTime")
    try:
        timestamp = dt.datetime.fromtimestamp(int(created), tz=dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise PayloadError(f"CreateTime {created!r} is not a Unix timestamp") from None
    msg_type = _required(fields, "MsgType").lower()

    if msg_type == "event":
        event = _required(fields, "Event").lower()
        return InboundMessage(
            channel=Channel.WECHAT,
            external_user_id=openid,
            external_message_id=f"{openid}:{created}:{event}",
            text="",
            timestamp=timestamp,
            event=event,
            raw=fields,
        )

    msg_id = _required(fields, "MsgId")
    text = ""
    media: tuple[dict[str, str], ...] = ()
    if msg_type == "text":
        text = fields.get("Content", "")
    elif msg_type in ("image", "video", "shortvideo"):
        item = {"media_id": _required(fields, "MediaId"), "url": fields.get("PicUrl", ""),
                "content_type": _MEDIA_CONTENT_TYPES[msg_type]}
        media = (item,)
    elif msg_type == "voice":
        audio_format = (fields.get("Format") or "amr").lower()
        media = ({"media_id": _required(fields, "MediaId"), "url": "", "content_type": f"audio/{audio_format}"},)
        text = fields.get("Recognition", "")  # WeChat's speech-to-text, when the account has it turned on
    elif msg_type == "location":
        text = fields.get("Label", "")
    elif msg_type == "link":
        text = " ".join(part for part in (fields.get("Title", ""), fields.get("Url", "")) if part)
    return InboundMessage(
        channel=Channel.WECHAT,
        external_user_id=openid,
        external_message_id=msg_id,
        text=text,
        timestamp=timestamp,
        media=media,
        raw=fields,
    )
