"""Who may call what: the service token, agents, supervisors."""
from rest_framework.permissions import BasePermission


class IsService(BasePermission):
    """Only callers authenticated with the service token (the bot's action server)."""

    message = "This endpoint is for the bot's action server."

    def has_permission(self, request, view):
        return request.auth == "service"


class IsStaffMember(BasePermission):
    """Agents, supervisors and admins (users with an agent profile) using their own login."""

    message = "You need an agent, supervisor or admin login."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and request.auth != "service" and hasattr(user, "agent_profile"))


class IsSupervisor(BasePermission):
    message = "Only supervisors and admins may do this."

    def has_permission(self, request, view):
        profile = getattr(request.user, "agent_profile", None)
        return bool(profile and profile.is_supervisor)
