"""Reads of customers, scoped like their conversations and tickets."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Customer


def customers_visible_to(user) -> QuerySet[Customer]:
    """Supervisors, admins and agents permitted to see all teams see every customer; an agent sees one that a
    conversation or ticket they see belongs to, or one no team works with yet (another team's customer is not
    there)."""
    from helpdesk.conversations.models import Conversation
    from helpdesk.tickets.models import Ticket

    profile = getattr(user, "agent_profile", None)
    if profile is None:
        return Customer.objects.none()
    if profile.sees_all_teams:
        return Customer.objects.all()
    mine = Q(team__isnull=True) | Q(team_id=profile.team_id)
    chats = Conversation.objects.filter(customer_id=OuterRef("pk"))
    tickets = Ticket.objects.filter(customer_id=OuterRef("pk"))
    return Customer.objects.filter(
        Exists(chats.filter(mine)) | Exists(tickets.filter(mine)) | (~Exists(chats) & ~Exists(tickets)))
