"""The agents' socket: live queue counts for the inbox, live events for an open conversation."""
from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer


def _access(user, conversation_id: int | None):
    from helpdesk.conversations.selectors import conversations_visible_to, inbox_counts

    profile = getattr(user, "agent_profile", None)
    if profile is None:
        return None
    if conversation_id is not None and not conversations_visible_to(user).filter(pk=conversation_id).exists():
        return None
    return {"team": profile.team_id, "all": profile.sees_all_teams, "counts": inbox_counts(user)}


class AgentConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        from helpdesk.conversations.live import conversation_group, inbox_group
        from helpdesk.accounts.models import Team

        user = self.scope.get("user")
        if not user or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = dict(p.split("=", 1) for p in self.scope.get("query_string", b"").decode().split("&") if "=" in p)
        conversation_id = int(query["conversation"]) if query.get("conversation", "").isdigit() else None
        access = await database_sync_to_async(_access)(user, conversation_id)
        if access is None:
            await self.close(code=4403)
            return
        self.user = user
        if access["all"]:
            team_ids = await database_sync_to_async(lambda: list(Team.objects.values_list("id", flat=True)))()
        else:
            team_ids = [access["team"]]
        self.groups_joined = [inbox_group(t) for t in team_ids] + [inbox_group(None)]
        if conversation_id is not None:
            self.groups_joined.append(conversation_group(conversation_id))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "counts", "counts": access["counts"]})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, event):
        from helpdesk.conversations.selectors import inbox_counts

        payload = event["event"]
        await self.send_json({"type": "event", "event": payload})
        if payload.get("kind") in ("conversation.state", "message.new"):
            await self.send_json({"type": "counts", "counts": await database_sync_to_async(inbox_counts)(self.user)})
