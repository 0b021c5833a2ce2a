"""Reads about staff."""
from __future__ import annotations

from .models import AgentProfile


def agent_profile_of(user) -> AgentProfile | None:
    return getattr(user, "agent_profile", None) if user and user.is_authenticated else None
