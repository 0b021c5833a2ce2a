"""The staff UI in the agent's language: Simplified Chinese when chosen, English by default; catalogues complete."""
from __future__ import annotations

import gettext
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from helpdesk.conversations.models import ConversationState, HandoffReason
from helpdesk.tickets.services import ticket_create
from tests.factories import (
    AgentFactory, ConversationFactory, DeliveryAttemptFactory, MessageFactory, ShipmentFactory, TeamFactory,
    TrackingEventFactory,
)

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LOCALES = ("zh_Hans", "zh_Hant", "ru")
DOMAINS = ("django", "djangojs")
NAV_ENGLISH = ("Inbox", "Tickets", "Reports", "Admin", "Log out", "Language")


@pytest.fixture
def team(db):
    return TeamFactory(slug="shanghai-zh", name="上海坐席组", languages=["zh-hans"])


@pytest.fixture
def agent(team):
    return AgentFactory(username="wangfang", first_name="王芳", last_name="", profile__team=team)


@pytest.fixture
def supervisor(team):
    return AgentFactory(username="zhanglei", first_name="张磊", last_name="", profile__team=team,
                        profile__role="supervisor")


def _client(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _nav(page: str) -> str:
    return re.search(r'<nav class="top">(.*?)</nav>', page, re.S).group(1)


def _words(html: str) -> set[str]:
    """Latin words a reader sees: tags and their attributes removed."""
    return set(re.findall(r"[A-Za-z]{2,}", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def waiting(team):
    convo = ConversationFactory(state=ConversationState.QUEUED, team=team, language="zh-hans", channel="wechat",
                                handoff_reason=HandoffReason.REQUESTED, queued_at=timezone.now())
    MessageFactory(conversation=convo, channel="wechat", text="快递员根本没来敲门")
    shipment = ShipmentFactory()
    TrackingEventFactory(shipment=shipment)
    convo.shipments.add(shipment)
    return convo


def test_inbox_is_in_chinese_for_an_agent_who_chose_it(agent, waiting):
    page = _client(agent, "zh-hans").get("/inbox/").content.decode()
    assert '<html lang="zh-hans">' in page
    for label in ("收件箱", "工单", "退出登录", "等待人工", "我的会话", "团队会话", "机器人处理中", "已关闭",
                  "运单号、手机号或工单号", "全部渠道", "筛选", "客户要求转人工", "微信"):
        assert label in page, label
    nav = _nav(page)
    assert "坐席" in nav  # the role, from the model's choices
    assert _words(nav) <= {"ParcelDesk", "English"}, _words(nav)  # the brand and the switcher's own name for English
    assert 'aria-label="语言"' in nav
    tabs = re.search(r'<div class="tabs" id="queues".*?</div>', page, re.S).group(0)
    assert not _words(tabs), _words(tabs)


def test_conversation_and_shipment_panel_in_chinese(agent, waiting):
    page = _client(agent, "zh-hans").get(f"/inbox/c/{waiting.pk}/").content.decode()
    for label in ("接管", "交还机器人", "结束会话", "添加内部备注", "发送给客户", "快捷回复", "物流轨迹", "派送记录",
                  "代客户操作", "改约派送", "修改地址", "从此会话创建工单", "投诉：派送延误", "运输中", "客户 · "):
        assert label in page, label
    assert "Take over" not in page and "Hand back to bot" not in page
    assert _words(_nav(page)) <= {"ParcelDesk", "English"}


def test_dashboard_in_chinese_with_chart_labels_from_the_catalogue(supervisor, waiting):
    DeliveryAttemptFactory()  # failed: recipient absent
    ticket_create(subject="Late", category="complaint_late")
    page = _client(supervisor, "zh-hans").get("/reports/").content.decode()
    for label in ("报表", "净推荐值 NPS", "投诉", "首次响应达标率", "机器人自助率", "派送失败", "导出 CSV", "转人工原因",
                  "各网点投诉量", "客户原声"):
        assert label in page, label
    assert _words(_nav(page)) <= {"ParcelDesk", "English"}
    charts = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)[1])
    assert charts["failed"]["labels"] == ["收件人不在"]
    assert charts["complaints"]["labels"] == ["派送延误"]  # "投诉：派送延误" without the "complaint" prefix
    assert charts["handoffs"]["labels"] == ["客户要求转人工"]


def test_english_is_the_default(agent, waiting):
    page = _client(agent).get("/inbox/").content.decode()
    assert '<html lang="en">' in page
    for label in ("Inbox", "Tickets", "Log out", "Waiting for an agent", "Mine", "My team", "With the bot"):
        assert label in page, label
    assert "收件箱" not in page and "等待人工" not in page


def test_the_agents_choice_wins_over_the_browser_language(agent, waiting):
    browser_says_chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
    assert "收件箱" in _client(agent).get("/inbox/", **browser_says_chinese).content.decode()
    assert "收件箱" not in _client(agent, "en").get("/inbox/", **browser_says_chinese).content.decode()


def test_language_switcher_keeps_the_page_and_remembers_the_choice(agent, waiting):
    client = _client(agent)
    page = client.get("/inbox/?queue=team").content.decode()
    switcher = re.search(r'<form class="lang" action="(.*?)".*?</form>', page, re.S)
    assert switcher.group(1) == "/i18n/setlang/" and 'name="next" value="/inbox/?queue=team"' in switcher.group(0)

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/inbox/?queue=team"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?queue=team"
    page = client.get(response["Location"]).content.decode()
    assert "团队会话" in page and '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page
    assert "My team" not in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
    assert "My team" in client.get("/inbox/").content.decode()


def test_login_page_and_tracking_page_follow_the_browser_language(db):
    login = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "登录 ParcelDesk" in login and "用户名" in login and 'action="/i18n/setlang/"' in login
    shipment = ShipmentFactory()
    track = Client().get("/track/", {"tn": shipment.tracking_number}, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "查询快递" in track and "运输中" in track and 'data-lang="zh-hans"' in track
    missing = Client().get("/track/", {"tn": "SF0000000000"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert missing.status_code == 404 and "未查到运单 SF0000000000" in missing.content.decode()


def test_inbox_scripts_get_their_words_from_the_javascript_catalogue(agent):
    catalogue = _client(agent, "zh-hans").get("/jsi18n/").content.decode()
    assert json.dumps("工单 %(number)s 已创建") in catalogue
    assert json.dumps("机器人处理中") in catalogue
    page = _client(agent, "zh-hans").get("/inbox/").content.decode()
    assert '<script src="/jsi18n/"></script>' in page


# --- the catalogues -------------------------------------------------------------------------------------------


def _unquote(s: str) -> str:
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[m.group(1)], s[1:-1])


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list of forms), flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": set(), "msgstr": []}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif m := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
                field = m.group(1)
                if field.startswith("msgstr"):
                    entry["msgstr"].append(_unquote(m.group(2)))
                else:
                    entry[field] = _unquote(m.group(2))
            elif line.startswith('"'):
                if field.startswith("msgstr"):
                    entry["msgstr"][-1] += _unquote(line)
                else:
                    entry[field] += _unquote(line)
        if "msgid" in entry:
            entries.append(entry)
    return [e for e in entries if e["msgid"]]  # without the header


def _catalogue_files():
    return [LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po" for locale in LOCALES for domain in DOMAINS]


@pytest.mark.parametrize("po", _catalogue_files(), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_message_is_translated_with_the_same_placeholders(po):
    entries = read_po(po)
    assert entries
    for e in entries:
        assert "fuzzy" not in e["flags"], e["msgid"]
        assert e["msgstr"] and all(s.strip() for s in e["msgstr"]), f"untranslated: {e['msgid']!r}"
        wanted = set(re.findall(r"%\(\w+\)s", e["msgid"]))
        for s in e["msgstr"]:
            assert set(re.findall(r"%\(\w+\)s", s)) == wanted, f"{e['msgid']!r} -> {s!r}"


@pytest.mark.parametrize("po", _catalogue_files(), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_committed_mo_is_compiled_from_the_po(po):
    """The .mo a fresh clone loads says exactly what the .po says (compare catalogues, not mtimes)."""
    expected = {}
    for e in read_po(po):
        key = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            expected.update({(key, i): s for i, s in enumerate(e["msgstr"])})
        else:
            expected[key] = e["msgstr"][0]
    with open(po.with_suffix(".mo"), "rb") as fh:
        compiled = dict(gettext.GNUTranslations(fh)._catalog)
    compiled.pop("", None)  # the header
    assert compiled == expected, "run scripts/messages.sh (or: manage.py compilemessages) and commit the .mo"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext (xgettext, msgmerge) to extract strings")
def test_catalogues_cover_every_string_marked_in_the_code(tmp_path):
    """Re-extract from a copy of the code: no new string may be missing from (or left untranslated in) the catalogue."""
    base = Path(settings.BASE_DIR)
    shutil.copytree(base / "helpdesk", tmp_path / "helpdesk", ignore=shutil.ignore_patterns("__pycache__", "vendor"))
    shutil.copytree(base / "integrations", tmp_path / "integrations", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    ignore = ["--ignore", "helpdesk/core/static/webchat/*"]
    for domain in DOMAINS:
        subprocess.run([sys.executable, "manage.py", "makemessages", "-d", domain, *(f"-l{lo}" for lo in LOCALES),
                        "--no-obsolete", *ignore, "-v0"], cwd=tmp_path, check=True)
    for po in _catalogue_files():
        fresh = read_po(tmp_path / po.relative_to(base))
        committed = read_po(po)
        key = lambda e: (e.get("msgctxt"), e["msgid"], e.get("msgid_plural"))  # noqa: E731
        fresh_keys, committed_keys = set(map(key, fresh)), set(map(key, committed))
        assert (fresh_keys - committed_keys, committed_keys - fresh_keys) == (set(), set()), (
            f"{po.relative_to(base)} is out of date (new, gone): run scripts/messages.sh and translate")
