"""Stations, couriers, pickup points (lockers and staffed stations) and delivery windows."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.db.models import F, Q

from helpdesk.core.models import TimeStampedModel


class Station(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, db_index=True)
    address = models.CharField(max_length=300)
    time_zone = models.CharField(max_length=50, default="Asia/Shanghai")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Courier(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="couriers")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PickupPoint(TimeStampedModel):
    class Kind(models.TextChoices):
        LOCKER = "locker", _("Parcel locker")
        STATION = "station", _("Pickup station")

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="pickup_points")
    city = models.CharField(max_length=100, db_index=True)
    address = models.CharField(max_length=300)
    opening_hours = models.CharField(max_length=200, default="24/7")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField(help_text="Compartments (lockers) or shelf places (stations).")
    occupied = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(occupied__lte=F("capacity")), name="pickup_point_not_overfull"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def available(self) -> bool:
        return self.active and self.occupied < self.capacity


class DeliveryWindow(TimeStampedModel):
    """A time slot on a day at a station, with a capacity of deliveries the couriers can make in it."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="delivery_windows")
    date = models.DateField()
    start = models.TimeField()
    end = models.TimeField()
    capacity = models.PositiveIntegerField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date", "start"], name="uniq_station_window"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="window_not_overbooked"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="window_ends_after_start"),
        ]
        indexes = [models.Index(fields=["station", "date"])]

    def __str__(self) -> str:
        return f"{self.station.code} {self.date} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked
