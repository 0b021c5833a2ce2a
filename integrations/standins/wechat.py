"""Stand-in for the WeChat Official Account API (token, customer-service send, template message send), and a sender
of signed callbacks.

Run it alone with `python -m integrations.standins.wechat --port 8092 --app-id wx... --app-secret ...`
and point WECHAT_API_BASE at it.
"""
from __future__ import annotations

import base64
import dataclasses
import itertools
import re
import secrets
import time
from urllib.parse import urlencode

import requests
from wechatpy.crypto import PrpCrypto
from wechatpy.utils import WeChatSigner

from .server import StandinRequest, StandinResponse, StandinServer, serve_from_command_line

_ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40037: "invalid template_id",
    43004: "require subscribe",
    40125: "invalid appsecret",
    42001: "access_token expired",
    44002: "empty post data",
    45015: "response out of time limit or subscription is canceled",
    47001: "data format error",
    47003: "argument invalid!",
}
# The longest value a template placeholder takes, by its type (thing3 -> thing); classic keywordN/first/remark: 200.
_VALUE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5, "name": 10,
                 "phone_number": 17, "car_number": 8, "time": 24, "date": 24, "amount": 16, "const": 20}
_KEY_TYPE = re.compile(r"^([a-z_]+?)\d*$")


def errbody(errcode: int, detail: str = "") -> dict:
    return {"errcode": errcode, "errmsg": _ERRMSG.get(errcode, "error") + (f" {detail}" if detail else "")}


def _value_limit(key: str) -> int:
    match = _KEY_TYPE.match(key)
    return _VALUE_LIMITS.get(match.group(1), 200) if match else 200


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated parts."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


@dataclasses.dataclass(frozen=True)
class SentMessage:
    """One customer-service message the stand-in accepted."""

    touser: str
    msgtype: str
    content: str  # text.content for text messages
    payload: dict
    access_token: str


@dataclasses.dataclass(frozen=True)
class SentTemplate:
    """One template message the stand-in accepted (POST /cgi-bin/message/template/send)."""

    touser: str
    template_id: str
    data: dict  # {"keyword1": {"value": "..."}, ...} as sent
    url: str
    msgid: int
    payload: dict
    access_token: str

    def values(self) -> dict[str, str]:
        return {key: item["value"] for key, item in self.data.items()}


class WeChatStandin(StandinServer):
    def __init__(self, app_id: str = "wx0123456789abcdef", app_secret: str = "standin-app-secret", *,
                 token: str = "standin-token", aes_key: str | None = None, original_id: str = "gh_0123456789ab",
                 token_expires_in: int = 7200, **kwargs):
        super().__init__(**kwargs)
        self.app_id = app_id
        self.app_secret = app_secret
        self.token = token  # the server-config Token the account signs callbacks with
        # EncodingAESKey: 43 characters of base64 without the trailing "="
        self.aes_key = aes_key or base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        self.original_id = original_id
        self.token_expires_in = token_expires_in
        self._tokens: dict[str, float] = {}  # access_token -> expiry (monotonic)
        self._sent: list[SentMessage] = []
        self._closed_windows: set[str] = set()
        self._unfollowed: set[str] = set()
        self._templates: dict[str, tuple[str, ...]] = {}  # template_id -> its placeholders
        self._sent_templates: list[SentTemplate] = []
        self._msgids = itertools.count(200_163_836)
        self._failures: list[tuple[int, int]] = []  # (http status, errcode)
        self.token_requests = 0

    # -- what tests arrange and inspect --------------------------------------------------------

    @property
    def sent_messages(self) -> list[SentMessage]:
        with self.lock:
            return list(self._sent)

    @property
    def sent_templates(self) -> list[SentTemplate]:
        with self.lock:
            return list(self._sent_templates)

    def add_template(self, template_id: str, keys) -> None:
        """A template the account has in its library, with its placeholders (e.g. ["thing1", "time2"])."""
        with self.lock:
            self._templates[template_id] = tuple(keys)

    def unfollow(self, openid: str) -> None:
        """The user unfollowed the account: nothing reaches them any more (template sends: 43004)."""
        with self.lock:
            self._unfollowed.add(openid)

    @property
    def issued_tokens(self) -> list[str]:
        with self.lock:
            return list(self._tokens)

    def revoke_tokens(self) -> None:
        """Every issued access_token becomes unknown (errcode 40001), as after a fetch elsewhere or a secret reset."""
        with self.lock:
            self._tokens.clear()

    def expire_tokens(self) -> None:
        """Every issued access_token is past its lifetime (errcode 42001)."""
        with self.lock:
            for token in self._tokens:
                self._tokens[token] = 0.0

    def close_window(self, openid: str) -> None:
        """The user has not written for 48 hours: sends to them fail with 45015."""
        with self.lock:
            self._closed_windows.add(openid)

    def open_window(self, openid: str) -> None:
        with self.lock:
            self._closed_windows.discard(openid)

    def fail_next(self, count: int = 1, *, errcode: int = -1, status: int = 200) -> None:
        """Answer the next `count` send requests with `errcode` (-1 system busy), or an HTTP `status` like 500."""
        with self.lock:
            self._failures.extend([(status, errcode)] * count)

    def reset(self) -> None:
        with self.lock:
            self._tokens.clear()
            self._sent.clear()
            self._sent_templates.clear()
            self._closed_windows.clear()
            self._unfollowed.clear()
            self._templates.clear()
            self._failures.clear()
            self.token_requests = 0

    # -- the API ---------------------------------------------------------------------------------

    def handle(self, request: StandinRequest) -> StandinResponse:
        if request.path == "/cgi-bin/token" and request.method == "GET":
            return self._issue_token(request)
        if request.path == "/cgi-bin/message/custom/send" and request.method == "POST":
            return self._custom_send(request)
        if request.path == "/cgi-bin/message/template/send" and request.method == "POST":
            return self._template_send(request)
        return StandinResponse(404, "<html><body>404 Not Found</body></html>", content_type="text/html")

    def _issue_token(self, request: StandinRequest) -> StandinResponse:
        with self.lock:
            self.token_requests += 1
            if request.query.get("grant_type") != "client_credential":
                return StandinResponse(200, errbody(40002))
            if request.query.get("appid") != self.app_id:
                return StandinResponse(200, errbody(40013))
            if not secrets.compare_digest(request.query.get("secret", ""), self.app_secret):
                return StandinResponse(200, errbody(40125))
            access_token = secrets.token_urlsafe(96)
            self._tokens[access_token] = time.monotonic() + self.token_expires_in
            return StandinResponse(200, {"access_token": access_token, "expires_in": self.token_expires_in})

    def _refusal(self, request: StandinRequest) -> StandinResponse | None:
        """A queued failure, or the access token's or body's fault, as WeChat answers them (call with the lock)."""
        if self._failures:
            status, errcode = self._failures.pop(0)
            if status != 200:
                return StandinResponse(status, "<html><body>Server Error</body></html>", content_type="text/html")
            return StandinResponse(200, errbody(errcode))
        expires_at = self._tokens.get(request.query.get("access_token", ""))
        if expires_at is None:
            return StandinResponse(200, errbody(40001))
        if expires_at <= time.monotonic():
            return StandinResponse(200, errbody(42001))
        if not request.body:
            return StandinResponse(200, errbody(44002))
        try:
            payload = request.json()
        except ValueError:
            return StandinResponse(200, errbody(47001))
        if not isinstance(payload, dict):
            return StandinResponse(200, errbody(47001))
        return None

    def _custom_send(self, request: StandinRequest) -> StandinResponse:
        access_token = request.query.get("access_token", "")
        with self.lock:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            payload = request.json()
            touser, msgtype = payload.get("touser"), payload.get("msgtype")
            if not touser:
                return StandinResponse(200, errbody(40003))
            if not msgtype or msgtype not in payload:
                return StandinResponse(200, errbody(47001))
            if touser in self._closed_windows or touser in self._unfollowed:
                return StandinResponse(200, errbody(45015))
            content = payload[msgtype].get("content", "") if isinstance(payload[msgtype], dict) else ""
            self._sent.append(SentMessage(touser=touser, msgtype=msgtype, content=content, payload=payload,
                                          access_token=access_token))
            return StandinResponse(200, {"errcode": 0, "errmsg": "ok"})

    def _template_send(self, request: StandinRequest) -> StandinResponse:
        """Template messages reach followers whatever the 48-hour window: touser, a known template_id, and `data`
        with {"value": "..."} for each of the template's placeholders, within the length its type allows."""
        access_token = request.query.get("access_token", "")
        with self.lock:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            payload = request.json()
            touser, template_id, data = payload.get("touser"), payload.get("template_id"), payload.get("data")
            if not isinstance(touser, str) or not touser:
                return StandinResponse(200, errbody(40003))
            if not isinstance(template_id, str) or template_id not in self._templates:
                return StandinResponse(200, errbody(40037))
            if not isinstance(data, dict) or any(
                    not isinstance(item, dict) or not isinstance(item.get("value"), str) for item in data.values()):
                return StandinResponse(200, errbody(47001))
            for key in self._templates[template_id]:
                value = data.get(key, {}).get("value", "")
                if not value.strip() or len(value) > _value_limit(key):
                    return StandinResponse(200, errbody(47003, f"data.{key}.value invalid"))
            if touser in self._unfollowed:
                return StandinResponse(200, errbody(43004))
            msgid = next(self._msgids)
            self._sent_templates.append(SentTemplate(
                touser=touser, template_id=template_id, data=data, url=str(payload.get("url") or ""), msgid=msgid,
                payload=payload, access_token=access_token))
            return StandinResponse(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid})

    # -- callbacks WeChat sends to the helpdesk ------------------------------------------------------

    def verify_url(self, url: str, *, echostr: str | None = None, token: str | None = None) -> requests.Response:
        """WeChat's server-URL check: GET with signature, timestamp, nonce, echostr (answer must be echostr)."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        query = {"signature": sign(token or self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                 "echostr": echostr or str(secrets.randbits(63))}
        return self.webhook_session.get(url, params=query, timeout=10)

    def message_xml(self, *, openid: str, msg_type: str = "text", content: str = "", msg_id: str | None = None,
                    create_time: int | None = None, event: str = "", media_id: str = "", voice_format: str = "amr",
                    recognition: str | None = None) -> str:
        """A message or event exactly as WeChat posts it in plaintext mode."""
        created = create_time or int(time.time())
        head = (f"<ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>")
        if msg_type == "event":
            body = f"<Event><![CDATA[{event}]]></Event>"
            if event == "subscribe":
                body += "<EventKey><![CDATA[]]></EventKey>"
            return f"<xml>{head}{body}</xml>"
        msg_id = msg_id or str(secrets.randbits(63))
        if msg_type == "text":
            body = f"<Content><![CDATA[{content}]]></Content>"
        elif msg_type == "image":
            body = (f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/{media_id}/0]]></PicUrl>"
                    f"<MediaId><![CDATA[{media_id}]]></MediaId>")
        elif msg_type == "voice":
            body = f"<MediaId><![CDATA[{media_id}]]></MediaId><Format><![CDATA[{voice_format}]]></Format>"
            if recognition is not None:
                body += f"<Recognition><![CDATA[{recognition}]]></Recognition>"
        else:
            raise ValueError(f"stand-in cannot build a {msg_type!r} message")
        return f"<xml>{head}{body}<MsgId>{msg_id}</MsgId></xml>"

    def post_xml(self, url: str, xml: str, *, safe_mode: bool = False, token: str | None = None,
                 aes_key: str | None = None, app_id: str | None = None) -> requests.Response:
        """POST one callback the way WeChat does: signed query string; in safe mode AES-encrypted with msg_signature.

        `token`, `aes_key` and `app_id` override the stand-in's own, to forge or misaddress a request.
        """
        token = token or self.token
        timestamp, nonce = str(int(time.time())), str(secrets.randbits(31))
        openid = ""
        if "<FromUserName><![CDATA[" in xml:
            openid = xml.split("<FromUserName><![CDATA[", 1)[1].split("]]>", 1)[0]
        query = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": openid}
        body = xml
        if safe_mode:
            key = base64.b64decode((aes_key or self.aes_key) + "=")
            encrypted = PrpCrypto(key).encrypt(xml, app_id or self.app_id).decode()
            query.update(encrypt_type="aes", msg_signature=sign(token, timestamp, nonce, encrypted))
            body = (f"<xml><ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        separator = "&" if "?" in url else "?"
        return self.webhook_session.post(f"{url}{separator}{urlencode(query)}", data=body.encode("utf-8"),
                                         headers={"Content-Type": "text/xml"}, timeout=10)

    def template_job_finished(self, url: str, *, openid: str, msgid: int, status: str = "success",
                              safe_mode: bool = False) -> requests.Response:
        """WeChat's report on one template send: TEMPLATESENDJOBFINISH with "success", "failed:user block" or
        "failed: system failed"."""
        xml = (f"<xml><ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
               f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
               f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
               f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status></xml>")
        return self.post_xml(url, xml, safe_mode=safe_mode)

    def send_message(self, url: str, *, safe_mode: bool = False, **message) -> requests.Response:
        """Deliver one signed message or event callback; `message` as for `message_xml`."""
        return self.post_xml(url, self.message_xml(**message), safe_mode=safe_mode)

    # -- command line --------------------------------------------------------------------------

    @classmethod
    def add_arguments(cls, parser) -> None:
        parser.add_argument("--app-id", default="wx0123456789abcdef")
        parser.add_argument("--app-secret", default="standin-app-secret")
        parser.add_argument("--token", default="standin-token")
        parser.add_argument("--aes-key", default=None)
        parser.add_argument("--token-expires-in", type=int, default=7200)
        parser.add_argument("--template", action="append", default=[], metavar="TEMPLATE_ID:KEY,KEY",
                            help="a template in the account's library and its placeholders (repeatable)")

    @classmethod
    def from_arguments(cls, args) -> WeChatStandin:
        standin = cls(app_id=args.app_id, app_secret=args.app_secret, token=args.token, aes_key=args.aes_key,
                      token_expires_in=args.token_expires_in, host=args.host, port=args.port)
        for spec in args.template:
            template_id, _, keys = spec.partition(":")
            standin.add_template(template_id, [k for k in keys.split(",") if k])
        return standin


if __name__ == "__main__":
    serve_from_command_line(WeChatStandin, "Stand-in for the WeChat Official Account API")
