"""Teams and staff roles."""
from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    languages = models.JSONField(default=list, blank=True, help_text="Languages this team serves, e.g. [\"ru\"].")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", pgettext_lazy("staff role", "Agent")
    SUPERVISOR = "supervisor", pgettext_lazy("staff role", "Supervisor")
    ADMIN = "admin", pgettext_lazy("staff role", "Admin")


class AgentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    languages = models.JSONField(default=list, blank=True, help_text="Language codes the agent answers in.")
    can_see_all_teams = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def sees_all_teams(self) -> bool:
        return self.is_supervisor or self.can_see_all_teams
