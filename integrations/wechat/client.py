"""Sends customer-service messages to WeChat users with wechatpy's WeChatClient."""
from __future__ import annotations

import re
import threading
import time

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from integrations.base import Channel, OutboundMessage, ProviderError, SendResult

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# invalid credential / invalid access_token / access_token expired: a fresh token may fix it
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# system busy, API call frequency limit: backoff helps
RETRYABLE_ERRCODES = frozenset({-1, 45009})
# Template message values: the longest value WeChat takes per placeholder type (the name without its number, e.g.
# thing3 -> thing); longer values are refused with errcode 47003. Classic keywordN/first/remark have no short limit.
TEMPLATE_VALUE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5,
                         "name": 10, "phone_number": 17, "car_number": 8, "time": 24, "date": 24, "amount": 16,
                         "const": 20}
CLASSIC_VALUE_LIMIT = 200
_TEMPLATE_KEY = re.compile(r"^([a-z_]+?)\d*$")


def wechat_value_limit(key: str) -> int:
    match = _TEMPLATE_KEY.match(key)
    return TEMPLATE_VALUE_LIMITS.get(match.group(1), CLASSIC_VALUE_LIMIT) if match else CLASSIC_VALUE_LIMIT


def wechat_value_fit(key: str, value: str) -> str:
    """`value` cut to what WeChat takes for placeholder `key` (an ellipsis marks the cut)."""
    limit = wechat_value_limit(key)
    return value if len(value) <= limit else value[: limit - 1] + "…"


class MemoryTokenStore(SessionStorage):
    """wechatpy session storage in process memory that honours TTLs (wechatpy's MemoryStorage ignores them)."""

    def __init__(self):
        self._data: dict[str, tuple[object, float | None]] = {}
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            value, expires_at = self._data.get(key, (default, None))
            if expires_at is not None and expires_at <= time.monotonic():
                self._data.pop(key, None)
                return default
            return value

    def set(self, key, value, ttl=None):
        if value is None:
            return
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl if ttl else None)

    def delete(self, key):
        with self._lock:
            self._data.pop(key, None)


class _TimeoutSession(requests.Session):
    """wechatpy fetches tokens with no timeout at all; every request through this session gets one."""

    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


def _cgi_bin(api_base: str | None) -> str:
    base = (api_base or DEFAULT_API_BASE).rstrip("/")
    if not base.endswith("/cgi-bin"):
        base += "/cgi-bin"
    return base + "/"


class AccessTokenError(WeChatClientException):
    """WeChat refused to issue an access_token (wrong AppSecret, AppID, IP not whitelisted ...)."""


class _WeChatApiClient(WeChatClient):
    """WeChatClient whose every call, the token fetch included, goes to `api_base`."""

    def __init__(self, appid, secret, *, api_base: str | None, session: SessionStorage, timeout: float):
        # auto_retry=False: wechatpy would retry token errors without limit; WeChatSender retries once.
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self._http = _TimeoutSession(timeout)
        self.API_BASE_URL = _cgi_bin(api_base)

    def fetch_access_token(self):
        # wechatpy hard-codes https://api.weixin.qq.com/cgi-bin/token here.
        try:
            return self._fetch_access_token(
                url=self.API_BASE_URL + "token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )
        except WeChatClientException as exc:
            raise AccessTokenError(exc.errcode, exc.errmsg, client=self, request=exc.request,
                                   response=exc.response) from exc

    def forget_access_token(self) -> None:
        self.session.delete(self.access_token_key)
        self.expires_at = None


class WeChatSender:
    """ChannelSender for `wechat`: customer-service text messages to an OpenID, or, with `template_id`, a template
    message (POST /cgi-bin/message/template/send) whose `data` is each variable as {"value": ...}: the only kind
    WeChat delivers after the 48-hour customer-service window.

    The access_token lives in `token_store` (any wechatpy SessionStorage: the helpdesk
    passes a Redis one so every worker shares one token; default: process memory). It is
    fetched when missing or about to expire, and fetched again once when WeChat says it is
    invalid or expired (errcode 40001/40014/42001).
    """

    def __init__(self, app_id: str, app_secret: str, api_base: str | None = None,
                 token_store: SessionStorage | None = None, *, timeout: float = 10.0):
        self.client = _WeChatApiClient(app_id, app_secret, api_base=api_base or None,
                                       session=token_store if token_store is not None else MemoryTokenStore(),
                                       timeout=timeout)

    def send(self, message: OutboundMessage) -> SendResult:
        if message.channel != Channel.WECHAT:
            raise ValueError(f"WeChatSender cannot send on channel {message.channel!r}")
        if message.template_id:
            data = {key: {"value": str(value)} for key, value in message.template_variables.items()}

            def call():
                return self.client.message.send_template(message.to, message.template_id, data)
        else:
            def call():
                return self.client.message.send_text(message.to, message.text)
        try:
            try:
                answer = call()
            except WeChatClientException as exc:
                if isinstance(exc, AccessTokenError) or exc.errcode not in TOKEN_ERRCODES:
                    raise
                self.client.forget_access_token()
                answer = call()
        except WeChatClientException as exc:
            raise _provider_error(exc) from exc
        except requests.RequestException as exc:  # connection refused, reset, timeout
            raise ProviderError(f"WeChat could not be reached: {exc}", retryable=True) from exc
        # A template send answers with its msgid (the TEMPLATESENDJOBFINISH callback names it); the customer-service
        # API answers {"errcode": 0} and no id, so the key is what identifies that send.
        msgid = answer.get("msgid") if isinstance(answer, dict) else None
        return SendResult(provider_message_id=str(msgid) if msgid else message.idempotency_key, status="sent")


def _provider_error(exc: WeChatClientException) -> ProviderError:
    if exc.errcode is None:  # an HTTP error status, not a WeChat error document
        status = exc.response.status_code if exc.response is not None else None
        return ProviderError(f"WeChat answered HTTP {status}", retryable=status is None or status == 429 or status >= 500,
                             status=status)
    errcode = int(exc.errcode)
    if isinstance(exc, AccessTokenError):
        # a credentials problem needs a person, except when WeChat is merely busy
        retryable = errcode in RETRYABLE_ERRCODES
    else:
        retryable = errcode in RETRYABLE_ERRCODES or errcode in TOKEN_ERRCODES
    # 45015: the user has not written within 48 hours (or unsubscribed); only they can reopen the window.
    # 40037 (unknown template_id), 47003 (a variable missing or too long), 43004 (not a follower): need a person.
    return ProviderError(f"WeChat refused the message: errcode {errcode} {exc.errmsg}", retryable=retryable,
                         status=200, code=str(errcode))
