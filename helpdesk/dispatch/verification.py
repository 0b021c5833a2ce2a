"""HMAC-SHA256 signatures on dispatch traffic: `X-Dispatch-Signature: sha256=<hex of HMAC(raw body)>`."""
from __future__ import annotations

import hashlib
import hmac


def dispatch_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dispatch_signature_valid(*, body: bytes, header: str | None, secret: str) -> bool:
    if not secret or not header:
        return False
    # Compare bytes: a forged header may carry any characters, and
    # compare_digest refuses non-ASCII str.
    expected = dispatch_signature(body, secret).encode()
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "surrogateescape"))
