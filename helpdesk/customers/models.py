"""A customer and each address (phone, WhatsApp id, WeChat OpenID, web visitor) they reach us from."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.core.models import TimeStampedModel


class Language(models.TextChoices):
    EN = "en", "English"
    ZH_HANS = "zh-hans", "简体中文"
    ZH_HANT = "zh-hant", "繁體中文"
    RU = "ru", "Русский"


class Customer(TimeStampedModel):
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True, help_text="Verified phone, E.164.")
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.EN)

    def __str__(self) -> str:
        return self.name or self.phone or f"Customer #{self.pk}"


class ChannelIdentity(TimeStampedModel):
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        WECHAT = "wechat", _("WeChat")
        WEBCHAT = "webchat", _("Web chat")
        PHONE = "phone", _("Phone call")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    external_id = models.CharField(max_length=128, help_text="E.164 phone, WeChat OpenID or web visitor id.")
    display_name = models.CharField(max_length=200, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True, help_text="Set when the customer sent STOP.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="uniq_channel_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None
