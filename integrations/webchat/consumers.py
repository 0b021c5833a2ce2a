"""The web chat socket: history on connect, each customer message stored once, bot and agent replies pushed live."""
from __future__ import annotations

import datetime as dt
import re

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from integrations.base import Channel, InboundMessage

VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TEXT = 2000


def _history(visitor_id: str) -> list[dict]:
    from helpdesk.conversations.models import Message

    messages = (
        Message.objects.filter(channel=Channel.WEBCHAT, conversation__external_user_id=visitor_id, is_internal_note=False)
        .exclude(sender_kind=Message.SenderKind.SYSTEM)
        .order_by("-id")[:50]
    )
    return [
        {"id": m.id, "direction": m.direction, "sender_kind": m.sender_kind, "text": m.text, "media": m.media,
         "created_at": m.created_at.isoformat()}
        for m in reversed(list(messages))
    ]


def _receive(visitor_id: str, message_id: str, text: str) -> bool:
    from helpdesk.conversations.messaging import inbound_message_receive

    stored = inbound_message_receive(inbound=InboundMessage(
        channel=Channel.WEBCHAT, external_user_id=visitor_id, external_message_id=f"{visitor_id}:{message_id}",
        text=text, timestamp=dt.datetime.now(dt.timezone.utc), raw={},
    ))
    return stored is not None


class WebchatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        from helpdesk.conversations.live import webchat_group

        query = dict(pair.split("=", 1) for pair in self.scope.get("query_string", b"").decode().split("&") if "=" in pair)
        visitor = query.get("visitor", "")
        if not VISITOR_ID.match(visitor):
            await self.close(code=4400)
            return
        self.visitor_id = visitor
        self.group = webchat_group(visitor)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "history", "messages": await sync_to_async(_history)(visitor)})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "message":
            await self.send_json({"type": "error", "code": "unknown_type", "detail": "Send {type: 'message', id, text}."})
            return
        message_id, text = str(content.get("id", "")), content.get("text")
        if not MESSAGE_ID.match(message_id) or not isinstance(text, str) or not text.strip():
            await self.send_json({"type": "error", "code": "invalid", "detail": "A message needs an id and some text."})
            return
        if len(text) > MAX_TEXT:
            await self.send_json({"type": "error", "code": "too_long", "id": message_id,
                                  "detail": f"Please keep messages under {MAX_TEXT} characters."})
            return
        await sync_to_async(_receive)(self.visitor_id, message_id, text.strip())
        await self.send_json({"type": "ack", "id": message_id})  # also for a resent duplicate: it is stored once

    async def live_event(self, event):
        payload = event["event"]
        if payload.get("kind") == "message.new":
            message = payload["message"]
            if message["direction"] == "out" and not message["is_internal_note"] and message["sender_kind"] != "system":
                await self.send_json({"type": "message", "message": message})
