"""Sends SMS and WhatsApp messages through Twilio's REST API with the official client."""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from integrations.base import Channel, OutboundMessage, ProviderError, SendResult
from integrations.http import EnvCachedSession

from .parsing import WHATSAPP_PREFIX

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_idempotency_token: contextvars.ContextVar[str | None] = contextvars.ContextVar("twilio_idempotency", default=None)


class _ApiBaseHttpClient(TwilioHttpClient):
    """The stock requests-based client, plus two things twilio-python has no per-call option for:

    - `api_base`: send every request to this origin (a stand-in, a recording proxy) instead of
      https://*.twilio.com, keeping the path, so the real client library is what talks to it;
    - the idempotency token of the send in progress, as Twilio's `I-Twilio-Idempotency-Token`
      header, so a retried POST after a timeout does not send the message twice.
    """

    def __init__(self, *, api_base: str | None, timeout: float):
        super().__init__(timeout=timeout)
        # The same session, but one that reads the environment's proxy settings once per origin rather than on
        # every send (integrations/http.py); the adapters twilio-python mounted are kept.
        session = EnvCachedSession()
        for prefix, adapter in self.session.adapters.items():
            session.mount(prefix, adapter)
        self.session = session
        self.api_base = urlsplit(api_base.rstrip("/")) if api_base else None

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        if self.api_base is not None:
            original = urlsplit(url)
            url = urlunsplit(
                (self.api_base.scheme, self.api_base.netloc, self.api_base.path + original.path,
                 original.query, original.fragment)
            )
        token = _idempotency_token.get()
        if token and method.upper() == "POST":
            headers = {**(headers or {}), IDEMPOTENCY_HEADER: token}
        return super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                               timeout=timeout, allow_redirects=allow_redirects)


@contextlib.contextmanager
def _idempotent(token: str):
    reset = _idempotency_token.set(token or None)
    try:
        yield
    finally:
        _idempotency_token.reset(reset)


def _whatsapp_address(number: str) -> str:
    return number if number.lower().startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + number


def _is_retryable_status(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


class TwilioSender:
    """ChannelSender for `sms` and `whatsapp`.

    `from_sms` is a phone number or a Messaging Service SID (MG...); `from_whatsapp` is the
    WhatsApp sender's E.164 number (with or without the `whatsapp:` prefix). `api_base`
    (TWILIO_API_BASE) points the client at another origin, e.g. a local stand-in.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_sms: str = "",
        from_whatsapp: str = "",
        api_base: str | None = None,
        *,
        status_callback: str | None = None,
        timeout: float = 10.0,
    ):
        self.from_sms = from_sms
        self.from_whatsapp = from_whatsapp
        self.status_callback = status_callback or None
        self.http_client = _ApiBaseHttpClient(api_base=api_base or None, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http_client)

    def _params(self, message: OutboundMessage) -> dict:
        if message.channel == Channel.SMS:
            if not self.from_sms:
                raise ProviderError("no SMS sender configured", retryable=False, code="not_configured")
            params = {"to": message.to}
            if self.from_sms.startswith("MG"):
                params["messaging_service_sid"] = self.from_sms
            else:
                params["from_"] = self.from_sms
        elif message.channel == Channel.WHATSAPP:
            if not self.from_whatsapp:
                raise ProviderError("no WhatsApp sender configured", retryable=False, code="not_configured")
            params = {"to": _whatsapp_address(message.to), "from_": _whatsapp_address(self.from_whatsapp)}
        else:
            raise ValueError(f"TwilioSender cannot send on channel {message.channel!r}")
        if message.template_id:
            # An approved Content template: the only thing WhatsApp delivers outside the 24-hour window.
            params["content_sid"] = message.template_id
            params["content_variables"] = json.dumps(message.template_variables, ensure_ascii=False)
        else:
            params["body"] = message.text
        if self.status_callback:
            params["status_callback"] = self.status_callback
        return params

    def send(self, message: OutboundMessage) -> SendResult:
        params = self._params(message)
        try:
            with _idempotent(message.idempotency_key):
                created = self.client.messages.create(**params)
        except TwilioRestException as exc:
            code = str(exc.code) if exc.code not in (None, "") else None
            raise ProviderError(
                f"Twilio refused the message ({exc.status}, code {code}): {exc.msg}",
                retryable=_is_retryable_status(exc.status),
                status=exc.status,
                code=code,
            ) from exc
        except TwilioServiceException as exc:
            status = getattr(exc, "status", None)
            code = getattr(exc, "code", None)
            raise ProviderError(
                f"Twilio refused the message ({status}, code {code}): {exc.title} {exc.detail or ''}".strip(),
                retryable=_is_retryable_status(status),
                status=status,
                code=str(code) if code is not None else None,
            ) from exc
        except requests.RequestException as exc:  # connection refused, reset, timeout
            raise ProviderError(f"Twilio could not be reached: {exc}", retryable=True) from exc
        return SendResult(provider_message_id=created.sid, status=created.status or "queued")
