"""A requests Session that reads the environment's HTTP settings once per origin instead of on every request."""
from __future__ import annotations

from urllib.parse import urlsplit

import requests


class EnvCachedSession(requests.Session):
    """`requests.Session`, but `merge_environment_settings` (the proxies from HTTP(S)_PROXY / NO_PROXY, the CA bundle
    from REQUESTS_CA_BUNDLE) is worked out once per origin and arguments, then reused.

    requests redoes it for every request, and `getproxies_environment` walks the whole of os.environ twice each
    time: 0.2-0.7 ms of CPU per HTTP call depending on the environment's size (0.002 ms cached), three calls per bot
    turn in the Celery worker (the Rasa turn and two Twilio sends). A process's environment does not change while it
    runs, so the result is the same.
    """

    _MAX_ENTRIES = 64

    def __init__(self):
        super().__init__()
        self._env_settings: dict[tuple, dict] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        try:
            key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, cert,
                   tuple(sorted(self.proxies.items())), self.stream, self.verify, self.cert)
            hash(key)
        except TypeError:  # an unhashable argument: no caching
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        cached = self._env_settings.get(key)
        if cached is None:
            if len(self._env_settings) >= self._MAX_ENTRIES:
                self._env_settings.clear()
            cached = self._env_settings[key] = super().merge_environment_settings(
                url, dict(proxies or {}), stream, verify, cert)
        return {**cached, "proxies": dict(cached["proxies"])}
