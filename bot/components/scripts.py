"""Writing-system facts shared by the tokenizer, the language detector and the actions."""
import re
from typing import Optional

# One regex for every tracking-number format the carrier and its partners print:
# UPU S10 (AA123456789CN), 2-3 letter prefixes + digits (SF…, YT…, JD…, ZTO…),
# 10-15 digits (Russian Post 14-digit included).  Letters/digits may not touch
# the match on either side, but Han characters and punctuation may
# ("我的快递SF1234567890到哪了", "SF1234567890?").
TRACKING_NUMBER_PATTERN = (
    r"(?<![A-Za-z0-9])"
    r"(?:[A-Za-z]{2}\d{9}[A-Za-z]{2}|[A-Za-z]{2,3}\d{8,15}|\d{10,15})"
    r"(?![A-Za-z0-9])"
)
TRACKING_NUMBER_RE = re.compile(TRACKING_NUMBER_PATTERN)

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")


def normalize_tracking_number(value: Optional[str]) -> Optional[str]:
    """Tracking numbers are stored upper-case without spaces."""
    if not value:
        return None
    match = TRACKING_NUMBER_RE.search(value.replace(" ", ""))
    return match.group(0).upper() if match else None
