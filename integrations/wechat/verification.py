"""Checks that a request really came from WeChat, and opens AES safe-mode payloads."""
from __future__ import annotations

import hmac
from collections.abc import Mapping

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner, check_signature

from .parsing import PayloadError, parse_xml


class SignatureError(Exception):
    """The request is not signed with our WeChat token (or, in safe mode, not encrypted for our app)."""


def is_valid_signature(*, token: str, signature: str | None, timestamp: str | None, nonce: str | None) -> bool:
    """True when `signature` is sha1(sort(token, timestamp, nonce)), as on every GET and POST WeChat sends."""
    if not (token and signature and timestamp and nonce):
        return False
    try:
        check_signature(token, signature, timestamp, nonce)
    except InvalidSignatureException:
        return False
    return True


def verify_server_url(*, token: str, signature: str | None, timestamp: str | None, nonce: str | None,
                      echostr: str | None) -> str | None:
    """Answer to WeChat's server-URL check (GET): the echostr when the signature is ours, else None."""
    if echostr is None or not is_valid_signature(token=token, signature=signature, timestamp=timestamp, nonce=nonce):
        return None
    return echostr


def _message_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, encrypted)
    return signer.signature


def verified_xml(body: bytes | str, *, query: Mapping[str, str], token: str, aes_key: str = "",
                 app_id: str = "") -> str:
    """The plaintext XML of a POST from WeChat, after checking its signature.

    `query` is the request's query string (signature, timestamp, nonce, and in safe mode
    encrypt_type=aes and msg_signature). Plaintext mode checks `signature`; safe mode checks
    `msg_signature` over the ciphertext, then decrypts with `aes_key` (EncodingAESKey) and
    requires the payload to be addressed to `app_id`. Raises SignatureError for anything not
    from WeChat, PayloadError for a malformed body.
    """
    timestamp, nonce = query.get("timestamp") or "", query.get("nonce") or ""
    if (query.get("encrypt_type") or "raw").lower() != "aes":
        if not is_valid_signature(token=token, signature=query.get("signature"), timestamp=timestamp, nonce=nonce):
            raise SignatureError("WeChat signature does not match")
        if isinstance(body, str):
            return body
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError("WeChat payload is not UTF-8") from None

    if not (aes_key and app_id):
        raise PayloadError("WeChat sent an AES safe-mode payload but no EncodingAESKey/AppID is configured")
    msg_signature = query.get("msg_signature") or ""
    if not (token and msg_signature and timestamp and nonce):
        raise SignatureError("WeChat safe-mode request has no msg_signature, timestamp or nonce")
    encrypted = parse_xml(body).get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise PayloadError("WeChat safe-mode payload has no Encrypt element")
    expected = _message_signature(token, timestamp, nonce, encrypted)
    if not hmac.compare_digest(expected.encode(), msg_signature.encode()):
        raise SignatureError("WeChat msg_signature does not match")
    try:
        return WeChatCrypto(token, aes_key, app_id).decrypt_message(
            {"Encrypt": encrypted}, msg_signature, timestamp, nonce
        )
    except InvalidAppIdException:
        raise SignatureError("WeChat payload is encrypted for another AppID") from None
    except InvalidSignatureException:
        raise SignatureError("WeChat msg_signature does not match") from None
    except Exception as exc:  # wrong key or corrupt ciphertext: padding, length, base64, UTF-8 errors
        raise PayloadError(f"WeChat safe-mode payload cannot be decrypted: {exc!r}") from None
