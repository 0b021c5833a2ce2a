"""Net Promoter Score: starting the survey some hours after delivery, and recording the answers."""
from __future__ import annotations

import datetime as dt

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from helpdesk.core.errors import ApplicationError, Conflict

from .models import NpsResponse, NpsSurvey


def nps_record(*, score, comment: str = "", shipment=None, conversation=None, customer=None) -> NpsResponse:
    """Store one answer; a shipment is surveyed once, so a second answer for it is refused."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ApplicationError("score_invalid", "The score must be a whole number from 0 to 10.") from None
    if not 0 <= score <= 10:
        raise ApplicationError("score_invalid", "The score must be a whole number from 0 to 10.")
    comment = (comment or "").strip()[:2000]
    try:
        with transaction.atomic():
            return NpsResponse.objects.create(
                score=score,
                comment=comment,
                shipment=shipment,
                conversation=conversation,
                customer=customer or (conversation.customer if conversation else None),
                channel=conversation.channel if conversation else "",
                language=conversation.language if conversation else "",
            )
    except IntegrityError:
        raise Conflict("nps_already_answered", "This delivery has already been rated. Thank you!") from None


# --- The survey after delivery ---------------------------------------------------------------------

SURVEY_EXPIRES_AFTER = dt.timedelta(days=3)  # a survey that could not start by then is no longer asked
WAIT_FOR_AGENT = dt.timedelta(minutes=30)  # while agents have the conversation, try again this much later
RASA_RETRY = dt.timedelta(minutes=5)


def nps_surveys_schedule(*, deliveries: list[tuple]) -> None:
    """Plan each delivered shipment's one survey, NPS_SURVEY_DELAY_HOURS after delivery (in the scan's transaction;
    a second delivery scan plans nothing new)."""
    delay = dt.timedelta(hours=float(settings.NPS_SURVEY_DELAY_HOURS))
    NpsSurvey.objects.bulk_create([NpsSurvey(shipment=shipment, due_at=delivered_at + delay)
                                   for shipment, delivered_at in deliveries], ignore_conflicts=True)


def _postpone(survey_id: int, *, until: dt.datetime, error: str) -> None:
    NpsSurvey.objects.filter(pk=survey_id).update(status=NpsSurvey.Status.PENDING, next_attempt_at=until,
                                                  last_error=error[:300])


def _finish(survey_id: int, status: str, error: str = "", conversation=None) -> str:
    fields = {"status": status, "last_error": error[:300], "next_attempt_at": None}
    if conversation is not None:
        fields["conversation"] = conversation
    if status == NpsSurvey.Status.SENT:
        fields["triggered_at"] = timezone.now()
    NpsSurvey.objects.filter(pk=survey_id).update(**fields)
    return status


def nps_survey_send(*, survey_id: int) -> str:
    """Start the survey in the recipient's conversation by triggering the bot's `EXTERNAL_nps_survey`.

    Never twice: the survey is claimed (pending → sending) before Rasa is called, and only a refusal that
    certainly started nothing (Rasa unreachable or erroring, agents holding the conversation) puts it back
    to pending for a later try. Returns the survey's status afterwards, or "not_due".
    """
    from helpdesk.conversations.messaging import bot_replies_store
    from helpdesk.conversations.models import ConversationState
    from helpdesk.conversations.rasa import RasaUnavailable, rasa_intent_trigger
    from helpdesk.shipments.notices import recipient_route

    now = timezone.now()
    claimed = (
        NpsSurvey.objects.filter(pk=survey_id, status=NpsSurvey.Status.PENDING, due_at__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=NpsSurvey.Status.SENDING, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not_due"
    survey = NpsSurvey.objects.select_related("shipment__customer").get(pk=survey_id)
    shipment = survey.shipment
    if NpsResponse.objects.filter(shipment=shipment).exists():
        return _finish(survey_id, NpsSurvey.Status.SKIPPED, "the customer already rated this delivery")
    if now - survey.due_at > SURVEY_EXPIRES_AFTER:
        return _finish(survey_id, NpsSurvey.Status.SKIPPED, "expired: could not be started in time")
    route = recipient_route(shipment=shipment, free_form=True)
    conversation = route.conversation
    if conversation is None:
        return _finish(survey_id, NpsSurvey.Status.SKIPPED, route.skipped_reason)
    if conversation.state in (ConversationState.QUEUED, ConversationState.AGENT):
        _postpone(survey_id, until=now + WAIT_FOR_AGENT, error="the conversation is with the agents")
        return NpsSurvey.Status.PENDING
    try:
        replies = rasa_intent_trigger(conversation_id=conversation.pk, intent="EXTERNAL_nps_survey",
                                      entities={"tracking_number": shipment.tracking_number})
    except (RasaUnavailable, requests.HTTPError) as exc:
        _postpone(survey_id, until=now + RASA_RETRY, error=f"the bot could not be reached: {exc}")
        return NpsSurvey.Status.PENDING
    from helpdesk.conversations.tasks import conversation_outbound_flush

    with transaction.atomic():
        conversation.shipments.add(shipment)
        if replies:
            bot_replies_store(conversation=conversation, replies=replies)
            conversation_id = conversation.pk
            transaction.on_commit(lambda: conversation_outbound_flush.delay(conversation_id))
        return _finish(survey_id, NpsSurvey.Status.SENT, conversation=conversation)


def nps_surveys_due(*, limit: int = 200) -> list[int]:
    now = timezone.now()
    return list(
        NpsSurvey.objects.filter(status=NpsSurvey.Status.PENDING, due_at__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("due_at").values_list("id", flat=True)[:limit]
    )
