"""Background jobs for shipments."""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .models import OneTimeCode

logger = logging.getLogger(__name__)

OTP_TEXT = {
    "en": "Your ParcelDesk code is {code}. It expires in {minutes} minutes. Never share it.",
    "zh-hans": "您的验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。",
    "zh-hant": "您的驗證碼是 {code}，{minutes} 分鐘內有效，請勿告訴他人。",
    "ru": "Ваш код: {code}. Он действует {minutes} мин. Никому его не сообщайте.",
}


@shared_task(bind=True, max_retries=5, retry_backoff=True, retry_jitter=True)
def one_time_code_send(self, otp_id: int, code: str) -> str:
    """Send the code by SMS to the phone on file (never to the chat that asked for it)."""
    otp = OneTimeCode.objects.select_related("conversation").get(pk=otp_id)
    text = OTP_TEXT.get(otp.conversation.language, OTP_TEXT["en"]).format(
        code=code, minutes=settings.OTP_TTL_SECONDS // 60
    )
    from helpdesk.conversations.outbound import sms_send_direct

    try:
        return sms_send_direct(to=otp.phone, text=text, idempotency_key=f"otp-{otp.id}")
    except Exception as exc:  # provider hiccups: try again with backoff
        if getattr(exc, "retryable", True):
            raise self.retry(exc=exc)
        raise


@shared_task(acks_late=True, ignore_result=True)
def delivery_notices_send(notice_ids: list[int]) -> int:
    """Put proactive delivery notices into the recipients' conversations (kicked when the scans commit)."""
    from .notices import delivery_notice_send

    return sum(delivery_notice_send(notice_id=notice_id) == "sent" for notice_id in notice_ids)


@shared_task(acks_late=True, ignore_result=True)
def delivery_notices_fan_out(notice_ids: list[int]) -> None:
    """A scan batch's notices, split into short delivery_notices_send tasks here rather than in the request."""
    from .notices import delivery_notices_schedule

    delivery_notices_schedule(notice_ids=notice_ids)


@shared_task(ignore_result=True)
def delivery_notices_send_pending() -> int:
    """Sweeper (beat): send notices whose task never ran (worker down, broker hiccup)."""
    from .notices import delivery_notices_kick, delivery_notices_pending

    pending = delivery_notices_pending()
    delivery_notices_kick(pending)
    return len(pending)
