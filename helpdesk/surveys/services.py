"""Recording Net Promoter Score answers."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from helpdesk.core.errors import ApplicationError, Conflict

from .models import NpsResponse


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
