"""Agents' API for tickets: list, create, read with history, assign, comment, change status."""
from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.conversations.selectors import conversations_visible_to
from helpdesk.core.api import ERROR_RESPONSES, validated
from helpdesk.core.errors import ApplicationError, NotFound
from helpdesk.shipments.selectors import shipments_visible_to
from helpdesk.core.permissions import IsStaffMember

from .models import Category, Priority, Ticket, TicketStatus
from .selectors import tickets_visible_to
from .serializers import (
    TicketAssignSerializer,
    TicketCommentCreateSerializer,
    TicketCommentSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketStatusSerializer,
)
from .services import ticket_assign, ticket_comment_add, ticket_create, ticket_status_change


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    team = django_filters.CharFilter(field_name="team__slug")
    tracking_number = django_filters.CharFilter(field_name="shipments__tracking_number")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "category"]


class TicketListCreate(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = TicketSerializer
    filterset_class = TicketFilter

    def get_queryset(self):
        return tickets_visible_to(self.request.user).prefetch_related("shipments").order_by("-created_at")

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketDetailSerializer, **ERROR_RESPONSES})
    def post(self, request):
        data = validated(TicketCreateSerializer, request.data)
        conversation = None
        if data["conversation"]:
            conversation = conversations_visible_to(request.user).filter(pk=data["conversation"]).first()
            if conversation is None:
                raise NotFound("conversation_not_found", "No such conversation in your queues.")
            data["tracking_numbers"] = data["tracking_numbers"] or list(conversation.shipments.all())
        hidden = {s.pk for s in data["tracking_numbers"]} - set(
            shipments_visible_to(request.user).filter(pk__in=[s.pk for s in data["tracking_numbers"]])
            .values_list("pk", flat=True))
        if hidden:  # another team's shipment reads as unknown, exactly like one that does not exist
            numbers = ", ".join(sorted(s.tracking_number for s in data["tracking_numbers"] if s.pk in hidden))
            raise serializers.ValidationError({"tracking_numbers": [f"Unknown tracking numbers: {numbers}"]})
        ticket = ticket_create(
            subject=data["subject"], description=data["description"], category=data["category"], priority=data["priority"],
            conversation=conversation, shipments=data["tracking_numbers"], team=data["team"], actor=request.user,
        )
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)


def _check_assignable(user, ticket: Ticket, data: dict) -> None:
    """An agent hands a ticket to a colleague of the team it ends up with, or to a team as a whole; supervisors (and
    agents permitted to see all teams) to anyone."""
    profile = user.agent_profile
    assignee = data.get("assignee")
    if profile.sees_all_teams or assignee is None:
        return
    team_id = data["team"].pk if data.get("team") is not None else (None if "team" in data else ticket.team_id)
    if assignee.agent_profile.team_id != team_id:
        raise ApplicationError("assignee_other_team", "Assign the ticket to someone in its team, or hand it to their "
                               "team as a whole.")


class _TicketView(APIView):
    permission_classes = [IsStaffMember]

    def ticket(self) -> Ticket:
        return generics.get_object_or_404(tickets_visible_to(self.request.user), number=self.kwargs["number"])

    def answer(self, ticket: Ticket) -> Response:
        ticket = Ticket.objects.prefetch_related("shipments", "comments__author", "history__actor").select_related(
            "team", "assignee").get(pk=ticket.pk)
        return Response(TicketDetailSerializer(ticket).data)


class TicketDetail(_TicketView):
    @extend_schema(responses={200: TicketDetailSerializer, **ERROR_RESPONSES})
    def get(self, request, number):
        return self.answer(self.ticket())


class TicketAssign(_TicketView):
    @extend_schema(request=TicketAssignSerializer, responses={200: TicketDetailSerializer, **ERROR_RESPONSES})
    def post(self, request, number):
        ticket = self.ticket()  # access first, then the body
        data = validated(TicketAssignSerializer, request.data)
        _check_assignable(request.user, ticket, data)
        return self.answer(ticket_assign(ticket=ticket, actor=request.user, **data))


class TicketComments(_TicketView):
    @extend_schema(request=TicketCommentCreateSerializer, responses={201: TicketCommentSerializer, **ERROR_RESPONSES})
    def post(self, request, number):
        ticket = self.ticket()
        data = validated(TicketCommentCreateSerializer, request.data)
        comment = ticket_comment_add(ticket=ticket, author=request.user, **data)
        return Response(TicketCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class TicketStatusChange(_TicketView):
    @extend_schema(request=TicketStatusSerializer, responses={200: TicketDetailSerializer, **ERROR_RESPONSES})
    def post(self, request, number):
        ticket = self.ticket()
        data = validated(TicketStatusSerializer, request.data)
        return self.answer(ticket_status_change(ticket=ticket, status=data["status"], actor=request.user))
