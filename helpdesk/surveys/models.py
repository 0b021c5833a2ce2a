"""NpsResponse: one 0–10 answer (and optional comment) per shipment; NpsSurvey: the one invitation to give it."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class NpsResponse(models.Model):
    shipment = models.ForeignKey("shipments.Shipment", null=True, blank=True, on_delete=models.SET_NULL, related_name="nps_responses")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="nps_responses")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="nps_responses"
    )
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    comment = models.TextField(blank=True)
    channel = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=10), name="nps_score_0_10"),
            models.UniqueConstraint(fields=["shipment"], condition=Q(shipment__isnull=False), name="one_nps_per_shipment"),
        ]

    def __str__(self) -> str:
        return f"NPS {self.score} ({self.shipment_id})"

    @property
    def group(self) -> str:
        return "promoter" if self.score >= 9 else "passive" if self.score >= 7 else "detractor"


class NpsSurvey(models.Model):
    """The NPS survey of one delivered shipment: due some hours after delivery, started at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being started"
        SENT = "sent", "Started in the conversation"
        SKIPPED = "skipped", "Not sent"

    shipment = models.OneToOneField("shipments.Shipment", on_delete=models.CASCADE, related_name="nps_survey")
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="nps_surveys"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True,
                                           help_text="Set while waiting for the bot or an agent.")
    last_error = models.CharField(max_length=300, blank=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"], condition=Q(status="pending"), name="nps_survey_pending")]

    def __str__(self) -> str:
        return f"NPS survey {self.shipment_id} ({self.status})"
