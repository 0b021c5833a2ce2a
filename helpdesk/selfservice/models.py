"""What customers settle themselves: the FAQ data staff edit (fees, service area, answers), delivery preferences,
returns, and the one-time codes that prove a visitor of the tracking page is the recipient."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.core.models import TimeStampedModel

LANGUAGES = ("en", "zh-hans", "zh-hant", "ru")


class Localized(models.Model):
    """Four language versions of one text field: `<field>` (English) and `<field>_zh_hans/_zh_hant/_ru`."""

    class Meta:
        abstract = True

    def localized(self, field: str, language: str) -> str:
        suffix = {"zh-hans": "_zh_hans", "zh-hant": "_zh_hant", "ru": "_ru"}.get(language, "")
        return getattr(self, field + suffix, "") or getattr(self, field)


class ShippingZone(Localized, TimeStampedModel):
    """A destination zone of the fee table (e.g. same city, mainland, Hong Kong/Taiwan, Russia)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100, help_text="English.")
    name_zh_hans = models.CharField(max_length=100, blank=True)
    name_zh_hant = models.CharField(max_length=100, blank=True)
    name_ru = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, default="CNY", help_text="ISO 4217 code of the fees in this zone.")
    transit_days = models.CharField(max_length=20, blank=True, help_text="e.g. 1–2")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ServiceArea(TimeStampedModel):
    """A city (optionally narrowed by a postcode prefix) the carrier delivers to, and its fee zone."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.PROTECT, related_name="areas")
    city = models.CharField(max_length=100, db_index=True, help_text="English name, as on shipments.")
    aliases = models.CharField(max_length=300, blank=True,
                               help_text="Other names customers type, comma-separated (上海, Шанхай, …).")
    postcode_prefix = models.CharField(max_length=20, blank=True, db_index=True,
                                       help_text="Blank: the whole city. A longer prefix wins over a shorter one.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True,
                                   help_text="Centre, to rank pickup points by distance.")
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    served = models.BooleanField(default=True, help_text="Off: named here so the bot can say it is not served.")

    class Meta:
        ordering = ["city", "postcode_prefix"]
        constraints = [models.UniqueConstraint(fields=["city", "postcode_prefix"], name="uniq_service_area")]

    def __str__(self) -> str:
        return f"{self.city} {self.postcode_prefix or '*'} → {self.zone.code}"


class ShippingRate(TimeStampedModel):
    """One weight bracket of a zone: parcels above the previous bracket's limit up to `max_weight_kg` cost `price`."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    max_weight_kg = models.DecimalField(max_digits=7, decimal_places=2)
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["zone", "max_weight_kg"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "max_weight_kg"], name="uniq_rate_bracket"),
            models.CheckConstraint(condition=Q(max_weight_kg__gt=0), name="rate_weight_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="rate_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.zone.code} ≤ {self.max_weight_kg} kg: {self.price} {self.zone.currency}"


class FaqAnswer(Localized, TimeStampedModel):
    """A ready-to-say answer staff keep current, in four languages."""

    class Topic(models.TextChoices):
        PROHIBITED_ITEMS = "prohibited_items", _("Prohibited items")
        DAMAGE_CLAIM = "damage_claim", _("How to claim for damage")
        OPENING_HOURS = "opening_hours", _("Opening hours")

    topic = models.CharField(max_length=30, choices=Topic.choices, unique=True)
    answer = models.TextField(help_text="English.")
    answer_zh_hans = models.TextField(blank=True)
    answer_zh_hant = models.TextField(blank=True)
    answer_ru = models.TextField(blank=True)
    items = models.JSONField(default=list, blank=True,
                             help_text="Optional structured list (e.g. the prohibited items' codes) for clients.")

    def __str__(self) -> str:
        return self.get_topic_display()


class DeliveryMethod(models.TextChoices):
    DOOR = "door", _("Door delivery")
    STATION = "station", _("Pickup station")
    LOCKER = "locker", _("Parcel locker")


class TimeSlot(models.TextChoices):
    MORNING = "morning", _("Morning 09:00–12:00")
    AFTERNOON = "afternoon", _("Afternoon 12:00–18:00")
    EVENING = "evening", _("Evening 18:00–21:00")


SLOT_HOURS = {"morning": ("09:00", "12:00"), "afternoon": ("12:00", "18:00"), "evening": ("18:00", "21:00")}


class DeliveryPreference(TimeStampedModel):
    """How and when the recipient wants this shipment delivered; dispatch plans the run on it."""

    shipment = models.OneToOneField("shipments.Shipment", on_delete=models.CASCADE, related_name="delivery_preference")
    method = models.CharField(max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.DOOR)
    pickup_point = models.ForeignKey("network.PickupPoint", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="preferred_by")
    time_slots = models.JSONField(default=list, blank=True, help_text="Preferred slots: morning, afternoon, evening.")
    appointment_date = models.DateField(null=True, blank=True, help_text="Appointment delivery on this day.")
    instructions = models.CharField(max_length=200, blank=True, help_text="For the courier, e.g. 'call on arrival'.")
    channel = models.CharField(max_length=20, blank=True, help_text="Where the customer set it.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(method="door") | Q(pickup_point__isnull=False),
                                   name="pickup_preference_names_point"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.method}"

    @property
    def time_slot_labels(self) -> list[str]:
        labels = dict(TimeSlot.choices)
        return [labels[s] for s in self.time_slots if s in labels]


class ReturnRequest(TimeStampedModel):
    """A return of a delivered shipment: its own shipment (own tracking number) going back to the sender."""

    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Arrived damaged")
        WRONG_ITEM = "wrong_item", _("Wrong item")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
        OTHER = "other", _("Other")

    class Method(models.TextChoices):
        PICKUP = "pickup", _("Courier pickup at the address")
        DROP_OFF = "drop_off", _("Drop-off at a station or locker")

    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.CASCADE, related_name="returns")
    return_shipment = models.OneToOneField("shipments.Shipment", on_delete=models.PROTECT, related_name="return_of")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    comment = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    pickup_point = models.ForeignKey("network.PickupPoint", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="return_drop_offs")
    pickup_date = models.DateField(null=True, blank=True, help_text="Courier pickup day (method pickup).")
    channel = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(method="pickup") | Q(pickup_point__isnull=False),
                                   name="drop_off_names_point"),
        ]

    def __str__(self) -> str:
        return f"{self.return_shipment_id} returns {self.shipment_id}"


class PageCode(models.Model):
    """A one-time code sent by SMS to the phone on file from the public tracking page (no conversation there)."""

    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.CASCADE, related_name="page_codes")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=128)
    language = models.CharField(max_length=10, default="en")
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["shipment", "-created_at"]), models.Index(fields=["phone", "created_at"])]
