"""WeChat Official Account server URL: GET verification, POST messages (plain or AES safe mode) answered `success` at once."""
from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .parsing import PayloadError, parse_inbound
from .verification import SignatureError, verified_xml, verify_server_url

logger = logging.getLogger(__name__)


def _refusal(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


@csrf_exempt
def wechat_webhook(request):
    config = settings.WECHAT
    if not (config["token"] and config["app_id"]):
        return _refusal("channel_disabled", "WeChat is not configured (WECHAT_* settings unset).", 503)
    query = request.GET
    if request.method == "GET":
        echo = verify_server_url(token=config["token"], signature=query.get("signature"), timestamp=query.get("timestamp"),
                                 nonce=query.get("nonce"), echostr=query.get("echostr"))
        if echo is None:
            return _refusal("signature_invalid", "WeChat signature does not match.", 403)
        return HttpResponse(echo, content_type="text/plain")
    if request.method != "POST":
        return _refusal("method_not_allowed", "Use GET to verify or POST to deliver.", 405)
    try:
        xml = verified_xml(request.body, query=query, token=config["token"], aes_key=config["aes_key"], app_id=config["app_id"])
        inbound = parse_inbound(xml)
    except SignatureError as exc:
        logger.warning("refused a WeChat webhook: %s", exc)
        return _refusal("signature_invalid", str(exc), 403)
    except PayloadError as exc:
        return _refusal("payload_invalid", str(exc), 400)
    from helpdesk.conversations.messaging import inbound_message_receive, message_status_update

    if inbound.event == "templatesendjobfinish":
        # WeChat's report on a template message it was given, not something the customer did: it moves that
        # message's delivery status and leaves the 48-hour window shut.
        status = str(inbound.raw.get("Status", ""))
        message_status_update(channel="wechat", external_id=str(inbound.raw.get("MsgID", "")),
                              status="delivered" if status == "success" else "failed", error=status)
        return HttpResponse("success", content_type="text/plain")
    inbound_message_receive(inbound=inbound)  # a WeChat retry of the same MsgId is dropped here
    return HttpResponse("success", content_type="text/plain")
