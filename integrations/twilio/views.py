"""Twilio webhooks (inbound SMS/WhatsApp and status callbacks): verify, parse, store, answer at once."""
from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .parsing import PayloadError, parse_inbound, parse_status_callback
from .verification import is_valid_signature

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _refusal(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _public_url(request) -> str:
    """The URL as Twilio requested it (behind a proxy, set SECURE_PROXY_SSL_HEADER and USE_X_FORWARDED_HOST)."""
    return request.build_absolute_uri()


def _verified(request) -> JsonResponse | None:
    config = settings.TWILIO
    if not (config["account_sid"] and config["auth_token"]):
        return _refusal("channel_disabled", "SMS and WhatsApp are not configured (TWILIO_* settings unset).", 503)
    if not is_valid_signature(
        auth_token=config["auth_token"], url=_public_url(request), params=request.POST,
        signature=request.headers.get("X-Twilio-Signature"),
        signature_settings=request.headers.get("X-Twilio-Webhooks-Signature-Settings"),
    ):
        logger.warning("refused a Twilio webhook with a bad signature from %s", request.META.get("REMOTE_ADDR"))
        return _refusal("signature_invalid", "X-Twilio-Signature does not match this request.", 403)
    return None


@csrf_exempt
@require_POST
def twilio_inbound(request):
    refused = _verified(request)
    if refused:
        return refused
    try:
        inbound = parse_inbound(request.POST)
    except PayloadError as exc:
        return _refusal("payload_invalid", str(exc), 400)
    from helpdesk.conversations.messaging import inbound_message_receive
    from helpdesk.core.errors import ApplicationError

    try:
        inbound_message_receive(inbound=inbound)
    except ApplicationError as exc:
        return _refusal(exc.code, exc.detail, 400)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request):
    refused = _verified(request)
    if refused:
        return refused
    try:
        update = parse_status_callback(request.POST)
    except PayloadError as exc:
        return _refusal("payload_invalid", str(exc), 400)
    from helpdesk.conversations.messaging import message_status_update

    error = f"{update.error_code} {update.error_message}".strip()
    for channel in ("sms", "whatsapp"):
        if message_status_update(channel=channel, external_id=update.message_sid, status=update.status, error=error):
            break
    return HttpResponse(status=204)
