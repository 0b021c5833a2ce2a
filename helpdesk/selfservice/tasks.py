"""Background jobs of self-service."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from helpdesk.shipments.tasks import OTP_TEXT

from .models import PageCode


@shared_task(bind=True, max_retries=5, retry_backoff=True, retry_jitter=True)
def page_code_sms_send(self, code_id: int, code: str) -> str:
    """Text the tracking page's code to the phone on file."""
    from helpdesk.conversations.outbound import sms_send_direct

    otp = PageCode.objects.get(pk=code_id)
    text = OTP_TEXT.get(otp.language, OTP_TEXT["en"]).format(code=code, minutes=settings.OTP_TTL_SECONDS // 60)
    try:
        return sms_send_direct(to=otp.phone, text=text, idempotency_key=f"page-otp-{otp.id}")
    except Exception as exc:  # provider hiccups: try again with backoff
        if getattr(exc, "retryable", True):
            raise self.retry(exc=exc)
        raise
