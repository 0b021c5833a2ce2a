from django.contrib import admin

from .models import AgentProfile, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "team", "can_see_all_teams")
    list_filter = ("role", "team")
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)
