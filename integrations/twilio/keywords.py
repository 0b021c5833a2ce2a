"""SMS/WhatsApp compliance keywords (opt out, opt in, help) as carriers and Twilio define them."""
from __future__ import annotations

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"

_KEYWORDS = {
    **dict.fromkeys(("STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "REVOKE", "OPTOUT", "CANCEL"), OPT_OUT),
    **dict.fromkeys(("START", "YES", "UNSTOP"), OPT_IN),
    **dict.fromkeys(("HELP", "INFO"), HELP),
}


def compliance_keyword(text: str | None) -> str | None:
    """`OPT_OUT`, `OPT_IN` or `HELP` when the whole message is one keyword, else None.

    Only the whole message counts ("stop" opts out, "please stop calling" does not), the
    way carriers and Twilio's Advanced Opt-Out match; case and surrounding whitespace are ignored.
    """
    if not text:
        return None
    return _KEYWORDS.get(text.strip().upper())
