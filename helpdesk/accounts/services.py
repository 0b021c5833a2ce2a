"""Routing conversations to teams."""
from __future__ import annotations

from .models import Team


def team_for_language(language: str) -> Team | None:
    """The team that serves this language, else the first team (so nothing waits unrouted)."""
    teams = list(Team.objects.order_by("id"))
    for team in teams:
        if language in (team.languages or []):
            return team
    return teams[0] if teams else None
