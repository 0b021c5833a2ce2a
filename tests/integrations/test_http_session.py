"""integrations/http.py: the session that reads the environment's proxy settings once per origin."""
import requests

from integrations.http import EnvCachedSession


def test_same_settings_as_requests(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    stock, cached = requests.Session(), EnvCachedSession()
    for url in ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
                "http://127.0.0.1:5005/webhooks/rest/webhook"):
        for _ in range(2):  # the first call fills the cache, the second is served from it
            assert cached.merge_environment_settings(url, {}, None, None, None) == \
                stock.merge_environment_settings(url, {}, None, None, None)


def test_callers_cannot_alter_the_cache():
    session = EnvCachedSession()
    url = "http://127.0.0.1:5005/"
    session.merge_environment_settings(url, {}, None, None, None)["proxies"]["http"] = "http://changed"
    assert "http" not in session.merge_environment_settings(url, {}, None, None, None)["proxies"]


def test_without_trust_env_it_is_the_stock_session():
    session = EnvCachedSession()
    session.trust_env = False
    assert session.merge_environment_settings("http://x/", {}, None, None, None) == \
        requests.Session().merge_environment_settings("http://x/", {}, None, None, None) | {"verify": True}
