"""Celery tasks for surveys: each takes ids and wraps one service."""
from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def nps_survey_send(survey_id: int) -> str:
    """Start one due NPS survey in the recipient's conversation (at most once)."""
    return services.nps_survey_send(survey_id=survey_id)


@shared_task(ignore_result=True)
def nps_surveys_send_due() -> int:
    """Beat: start every survey whose time has come (NPS_SURVEY_DELAY_HOURS after delivery)."""
    due = services.nps_surveys_due()
    for survey_id in due:
        nps_survey_send.delay(survey_id)
    return len(due)
