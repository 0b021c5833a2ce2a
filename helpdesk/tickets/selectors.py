"""Reads of tickets, scoped by the viewer's role and team."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Ticket


def tickets_visible_to(user) -> QuerySet[Ticket]:
    profile = getattr(user, "agent_profile", None)
    qs = Ticket.objects.select_related("team", "assignee", "customer", "conversation")
    if profile is None:
        return qs.none()
    if profile.sees_all_teams:
        return qs
    return qs.filter(Q(team__isnull=True) | Q(team_id=profile.team_id))
