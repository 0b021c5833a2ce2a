"""Checks that a webhook really came from Twilio (`X-Twilio-Signature`)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from twilio.request_validator import RequestValidator, get_signature_algorithm

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


class _FormValues:
    """Multi-valued form params in the shape RequestValidator understands (it calls `getlist`)."""

    def __init__(self, params: Any):
        self._values: dict[str, list[str]] = {}
        if params is None:
            return
        if hasattr(params, "getlist"):  # Django QueryDict, werkzeug MultiDict
            for key in params.keys():
                self._values[key] = [str(v) for v in params.getlist(key)]
            return
        pairs: Iterable = params.items() if isinstance(params, Mapping) else params
        for key, value in pairs:
            values = value if isinstance(value, (list, tuple)) else [value]
            self._values.setdefault(key, []).extend(str(v) for v in values)

    def __iter__(self):
        return iter(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def getlist(self, key: str) -> list[str]:
        return self._values[key]


def is_valid_signature(
    *,
    auth_token: str,
    url: str,
    params: Any,
    signature: str | None,
    signature_settings: str | None = None,
) -> bool:
    """True when `signature` is Twilio's signature of this request.

    `url` must be the URL exactly as Twilio requested it: scheme, public host, path and
    query string. Behind a TLS-terminating proxy the caller builds it from the public
    origin (or X-Forwarded-Proto/Host it trusts), never from the internal address the
    app server sees, or every genuine webhook fails. `params` are the POST form fields
    (a dict, a list of pairs, a dict of lists or a Django QueryDict), or the raw body as a str
    for JSON webhooks. `signature_settings`
    is the X-Twilio-Webhooks-Signature-Settings header, if present (names the algorithm).
    """
    if not auth_token or not signature:
        return False
    algorithm = get_signature_algorithm(signature_settings)
    validator = RequestValidator(auth_token)
    # A str is a raw JSON body, which Twilio covers with ?bodySHA256= in the signed URL instead.
    values = params if isinstance(params, str) else _FormValues(params)
    try:
        return validator.validate(url, values, signature, algorithm=algorithm)
    except (TypeError, ValueError):
        return False


def compute_signature(*, auth_token: str, url: str, params: Any) -> str:
    """The signature Twilio would send for this request (HMAC-SHA1 with the auth token)."""
    return RequestValidator(auth_token).compute_signature(url, _FormValues(params))
