from django.contrib import admin

from .models import ChannelIdentity, Customer


class ChannelIdentityInline(admin.TabularInline):
    model = ChannelIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "phone", "language", "created_at")
    list_filter = ("language",)
    search_fields = ("name", "phone", "email", "identities__external_id")
    inlines = [ChannelIdentityInline]


@admin.register(ChannelIdentity)
class ChannelIdentityAdmin(admin.ModelAdmin):
    list_display = ("channel", "external_id", "customer", "opted_out_at")
    list_filter = ("channel",)
    search_fields = ("external_id",)
    raw_id_fields = ("customer",)
