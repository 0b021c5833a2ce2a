"""Stand-in for Twilio's Messages REST API, and a sender of signed Twilio webhooks.

Run it alone with `python -m integrations.standins.twilio --port 8091 --account-sid AC... --auth-token ...`
and point TWILIO_API_BASE at it.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email.utils
import re
import secrets

import requests

from integrations.twilio.verification import SIGNATURE_HEADER, compute_signature

from .server import StandinRequest, StandinResponse, StandinServer, serve_from_command_line

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
_ERROR_TEXT = {
    400: "Bad Request",
    401: "Authenticate",
    404: "The requested resource was not found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822_now() -> str:
    return email.utils.format_datetime(dt.datetime.now(dt.timezone.utc), usegmt=False).replace("-0000", "+0000")


def error_body(status: int, code: int, message: str) -> dict:
    """Twilio's error document: https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions"""
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


@dataclasses.dataclass(frozen=True)
class SentMessage:
    """One message the stand-in accepted, as the client posted it."""

    sid: str
    to: str
    from_: str
    body: str
    params: dict[str, str]  # every form field, first value
    idempotency_token: str


class TwilioStandin(StandinServer):
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "standin-auth-token", **kwargs):
        super().__init__(**kwargs)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._sent: list[SentMessage] = []
        self._by_token: dict[str, dict] = {}
        self._failures: list[tuple[int, int, str]] = []
        self._rejections: dict[str, tuple[int, int, str]] = {}
        self.requests_seen = 0

    # -- what tests arrange and inspect --------------------------------------------------------

    @property
    def sent_messages(self) -> list[SentMessage]:
        with self.lock:
            return list(self._sent)

    def fail_next(self, count: int = 1, *, status: int = 500, code: int | None = None, message: str = "") -> None:
        """Answer the next `count` message requests with `status` (500, 503, 429 ...) and send nothing."""
        with self.lock:
            for _ in range(count):
                self._failures.append((status, code or 20000 + status, message or _ERROR_TEXT.get(status, "Error")))

    def reject_recipient(self, to: str, *, code: int = 21610, status: int = 400,
                         message: str = "Attempt to send to unsubscribed recipient") -> None:
        """Refuse every message to `to` (E.164, with or without `whatsapp:`) as Twilio does, e.g. 21610 after STOP."""
        with self.lock:
            self._rejections[to.removeprefix("whatsapp:")] = (status, code, message)

    def reset(self) -> None:
        with self.lock:
            self._sent.clear()
            self._by_token.clear()
            self._failures.clear()
            self._rejections.clear()
            self.requests_seen = 0

    # -- the REST API ----------------------------------------------------------------------------

    def _authorized(self, request: StandinRequest) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)

    def handle(self, request: StandinRequest) -> StandinResponse:
        match = _MESSAGES_PATH.match(request.path)
        if not match or request.method != "POST":
            return StandinResponse(404, error_body(404, 20404, _ERROR_TEXT[404]))
        if not self._authorized(request):
            return StandinResponse(401, error_body(401, 20003, _ERROR_TEXT[401]),
                                   headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if match["account"] != self.account_sid:
            return StandinResponse(404, error_body(404, 20404, _ERROR_TEXT[404]))
        params = {k: v[0] for k, v in request.form().items()}
        token = request.headers.get(IDEMPOTENCY_HEADER, "")
        with self.lock:
            self.requests_seen += 1
            if self._failures:
                status, code, message = self._failures.pop(0)
                return StandinResponse(status, error_body(status, code, message))
            if token and token in self._by_token:
                return StandinResponse(201, self._by_token[token])
            problem = self._invalid(params)
            if problem:
                status, code, message = problem
                return StandinResponse(status, error_body(status, code, message))
            document = self._message_document(params)
            self._sent.append(SentMessage(sid=document["sid"], to=params["To"], from_=params.get("From", ""),
                                          body=params.get("Body", ""), params=params, idempotency_token=token))
            if token:
                self._by_token[token] = document
            return StandinResponse(201, document)

    def _invalid(self, params: dict[str, str]) -> tuple[int, int, str] | None:
        to, from_ = params.get("To", ""), params.get("From", "")
        if not to:
            return 400, 21604, "A 'To' phone number is required."
        if not from_ and not params.get("MessagingServiceSid"):
            return 400, 21603, "A 'From' phone number is required."
        if not (params.get("Body") or params.get("MediaUrl") or params.get("ContentSid")):
            return 400, 21602, "Message body is required."
        if from_ and to.startswith("whatsapp:") != from_.startswith("whatsapp:"):
            return 400, 21910, "Invalid From and To pair. From and To should be of the same channel"
        return self._rejections.get(to.removeprefix("whatsapp:"))

    def _message_document(self, params: dict[str, str]) -> dict:
        """Twilio's Message resource: https://www.twilio.com/docs/messaging/api/message-resource"""
        sid = new_sid("SM")
        now = _rfc2822_now()
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": params.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": params.get("From") or None,
            "messaging_service_sid": params.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": params["To"],
            "uri": uri,
        }

    # -- webhooks Twilio sends to the helpdesk -----------------------------------------------------

    def post_signed(self, url: str, params: dict[str, str], *, signed_url: str | None = None,
                    signature: str | None = None) -> requests.Response:
        """POST form `params` to `url` with the X-Twilio-Signature Twilio would compute.

        `signed_url` is the URL Twilio saw, when it differs from where the request really goes
        (the public URL in front of a proxy); `signature` overrides the computed one (forgeries).
        """
        if signature is None:
            signature = compute_signature(auth_token=self.auth_token, url=signed_url or url, params=params)
        return self.webhook_session.post(url, data=params, headers={SIGNATURE_HEADER: signature}, timeout=10)

    def inbound_params(self, *, from_: str, to: str, body: str = "", media: tuple[tuple[str, str], ...] = (),
                       profile_name: str = "", message_sid: str | None = None) -> dict[str, str]:
        """The form Twilio posts for an incoming SMS, or WhatsApp message when `from_` starts with `whatsapp:`."""
        sid = message_sid or new_sid("MM" if media and not from_.startswith("whatsapp:") else "SM")
        params = {
            "ToCountry": "US", "ToState": "", "SmsMessageSid": sid, "NumMedia": str(len(media)),
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": "", "To": to, "ToZip": "", "NumSegments": "1",
            "MessageSid": sid, "AccountSid": self.account_sid, "From": from_, "ApiVersion": "2010-04-01",
        }
        for i, (media_url, content_type) in enumerate(media):
            params[f"MediaUrl{i}"] = media_url
            params[f"MediaContentType{i}"] = content_type
        if from_.startswith("whatsapp:"):
            for key in ("ToCountry", "ToState", "ToCity", "FromZip", "FromState", "FromCity", "FromCountry", "ToZip"):
                params.pop(key)
            params["ProfileName"] = profile_name
            params["WaId"] = from_.removeprefix("whatsapp:+")
            params["MessageType"] = "image" if media else "text"
        return params

    def send_inbound(self, url: str, *, signed_url: str | None = None, **message) -> requests.Response:
        """Deliver one signed inbound-message webhook; `message` as for `inbound_params`."""
        return self.post_signed(url, self.inbound_params(**message), signed_url=signed_url)

    def send_status_callback(self, url: str, *, message_sid: str, status: str, to: str = "", from_: str = "",
                             error_code: str = "", error_message: str = "",
                             signed_url: str | None = None) -> requests.Response:
        """Deliver one signed status callback for a message, as Twilio posts to StatusCallback."""
        params = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "MessageSid": message_sid,
                  "SmsSid": message_sid, "MessageStatus": status, "SmsStatus": status, "To": to, "From": from_}
        if error_code:
            params["ErrorCode"] = error_code
        if error_message:
            params["ErrorMessage"] = error_message
        return self.post_signed(url, params, signed_url=signed_url)

    def report_status(self, message_sid: str, status: str, *, error_code: str = "",
                      error_message: str = "") -> requests.Response:
        """Post a status callback for a message the stand-in accepted, to the StatusCallback it was sent with."""
        with self.lock:
            sent = next((m for m in self._sent if m.sid == message_sid), None)
        if sent is None or not sent.params.get("StatusCallback"):
            raise LookupError(f"no message {message_sid} with a StatusCallback was sent")
        return self.send_status_callback(sent.params["StatusCallback"], message_sid=message_sid, status=status,
                                         to=sent.to, from_=sent.from_, error_code=error_code,
                                         error_message=error_message)

    # -- command line --------------------------------------------------------------------------

    @classmethod
    def add_arguments(cls, parser) -> None:
        parser.add_argument("--account-sid", default="AC" + "0" * 32)
        parser.add_argument("--auth-token", default="standin-auth-token")

    @classmethod
    def from_arguments(cls, args) -> TwilioStandin:
        return cls(account_sid=args.account_sid, auth_token=args.auth_token, host=args.host, port=args.port)


if __name__ == "__main__":
    serve_from_command_line(TwilioStandin, "Stand-in for Twilio's Messages API")
