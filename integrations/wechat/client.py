"""Sends customer-service messages to WeChat users with wechatpy's WeChatClient."""
from __future__ import annotations

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
    """ChannelSender for `wechat`: customer-service text messages to an OpenID.

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
            raise ProviderError("WeChat template messages are not supported by this sender", retryable=False,
                                code="template_unsupported")
        try:
            try:
                self.client.message.send_text(message.to, message.text)
            except WeChatClientException as exc:
                if isinstance(exc, AccessTokenError) or exc.errcode not in TOKEN_ERRCODES:
                    raise
                self.client.forget_access_token()
                self.client.message.send_text(message.to, message.text)
        except WeChatClientException as exc:
            raise _provider_error(exc) from exc
        except requests.RequestException as exc:  # connection refused, reset, timeout
            raise ProviderError(f"WeChat could not be reached: {exc}", retryable=True) from exc
        # The customer-service API answers {"errcode": 0} and no message id; the key is what identifies the send.
        return SendResult(provider_message_id=message.idempotency_key, status="sent")


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
    return ProviderError(f"WeChat refused the message: errcode {errcode} {exc.errmsg}", retryable=retryable,
                         status=200, code=str(errcode))
