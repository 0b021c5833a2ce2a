"""Record the free-text test stories and append them to bot/tests/stories/test_<language>.yml.

A complaint's story or a corrected address often carries negations ("курьер не позвонил и не приехал",
"不是人民路，是中山路…") that the model may classify as `deny`; inside a form they must still be the answer,
and only an explicit "cancel" / "отмена" / "算了" may stop the form. These conversations are played against
the real bot exactly as scripts/record_stories.py plays its own (Rasa server + action server + the stand-in
helpdesk, REST channel), with the same checks, except that a free-text turn may get ANY intent (that is the
point): what must hold is the actions, the ticket / address that reached the helpdesk, and nothing filed on
a cancel. Stories already in a file (same name) are left alone; others are appended, never rewritten.

Usage: python scripts/record_free_text_stories.py MODEL.tar.gz   (from bot/, in the bot's venv)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
import yaml

BOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BOT_DIR))
sys.path.insert(0, str(BOT_DIR / "scripts"))
from record_stories import CODE, free_port, story_steps, wait  # noqa: E402
from tests.helpdesk_standin import HelpdeskStandin, demo_state  # noqa: E402

COMPLAINT = ["action_start_complaint", "complaint_form", "complaint_form", "complaint_form", "action_file_complaint"]
ADDRESS = ["action_prefill_shipment", "address_form", "address_form", "address_form", "address_form",
           "address_form", "action_change_address"]

# (name, turns, expected actions, what the helpdesk must have got). A turn is (text, intent); None = any intent.
PHRASES = {
    "en": ("I'd like to file a complaint please", "the courier didn't call and didn't come, I waited in all day",
           "cancel", "I need to change the delivery address", "no, not Baker Street, it's 12 Harbour Road, flat 5",
           "yes"),
    "zh-hans": ("我想投诉一下", "快递员没打电话也没上门，我在家等了一整天", "算了，不投诉了", "我想改下收货地址",
                "不是人民路，是中山路88号3单元502室", "对"),
    "zh-hant": ("我想投訴", "送貨員冇打電話又冇上門，我喺屋企等咗成日", "唔使喇", "我想改送貨地址",
                "唔係彌敦道，係荃灣青山公路88號12樓B室", "係"),
    "ru": ("хочу подать жалобу", "курьер не позвонил и не приехал, я весь день ждала", "отмена",
           "хочу поменять адрес доставки", "не на Ленина, а на Садовую 5, кв 12", "да"),
}


def conversations(language: str) -> list:
    opener, story, cancel, address_opener, address, yes = PHRASES[language]
    return [
        ("free text: a complaint's story with negations is the story", [
            (opener, "file_complaint"), ("1", None), (story, None)], COMPLAINT,
         lambda calls: [r.body["description"] for r in calls if r.endpoint.endswith("complaints/")] == [story]),
        ("free text: an explicit cancel while describing files nothing", [
            (opener, "file_complaint"), ("1", None), (cancel, None)], COMPLAINT,
         lambda calls: not [r for r in calls if r.endpoint.endswith("complaints/")]),
        ("free text: a corrected address with a negation is the address", [
            (address_opener, "change_address"), (CODE, None), ("1", None), (address, None), (yes, "affirm")],
         ADDRESS, lambda calls: [r.body for r in calls if r.endpoint.endswith("address/")] == [{"address": address}]),
    ]


def main() -> None:
    model = sys.argv[1]
    logs = Path(tempfile.mkdtemp(prefix="record-free-text-"))
    token = "record-token"
    state = demo_state("record-helpdesk-token")
    env = os.environ.copy()
    with HelpdeskStandin(state) as helpdesk:
        actions_port, rasa_port = free_port(), free_port()
        (logs / "endpoints.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
        processes = []
        try:
            alog, rlog = logs / "actions.log", logs / "rasa.log"
            processes.append(actions := subprocess.Popen(
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
                cwd=BOT_DIR, env={**env, "HELPDESK_URL": helpdesk.url, "HELPDESK_API_TOKEN": state.token},
                stdout=alog.open("w"), stderr=subprocess.STDOUT, start_new_session=True))
            processes.append(rasa := subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("rasa_cli.py")), "run", "--enable-api", "--auth-token", token,
                 "-i", "127.0.0.1", "-p", str(rasa_port), "--model", model, "--endpoints", str(logs / "endpoints.yml")],
                cwd=BOT_DIR, env=env, stdout=rlog.open("w"), stderr=subprocess.STDOUT, start_new_session=True))
            wait(f"http://127.0.0.1:{actions_port}/health", actions, alog)
            wait(f"http://127.0.0.1:{rasa_port}/status?token={token}", rasa, rlog)
            base = f"http://127.0.0.1:{rasa_port}"
            problems, sender = [], 5000
            for language in PHRASES:
                path = BOT_DIR / "tests" / "stories" / f"test_{language}.yml"
                have = {story["story"] for story in yaml.safe_load(path.read_text())["stories"]}
                stories = []
                for name, turns, expected, helpdesk_check in conversations(language):
                    sender += 1
                    before = len(helpdesk.requests)
                    fresh = demo_state(state.token)
                    for key, value in vars(fresh).items():
                        setattr(state, key, value)
                    for text, _ in turns:
                        requests.post(f"{base}/webhooks/rest/webhook", json={
                            "sender": str(sender), "message": text,
                            "metadata": {"channel": "webchat", "language": None, "customer_verified": False}},
                            timeout=60).raise_for_status()
                    tracker = requests.get(f"{base}/conversations/{sender}/tracker?token={token}", timeout=60).json()
                    steps, actions_run, seen = story_steps(tracker["events"])
                    wrong = [f"{text!r}: {got} (wanted {want})" for (text, got), (_, want) in zip(seen, turns)
                             if want and got != want]
                    if actions_run != expected:
                        wrong.append(f"actions {actions_run} (wanted {expected})")
                    if not helpdesk_check(helpdesk.requests[before:]):
                        wrong.append("the helpdesk did not get what it should")
                    print(f"{language} / {name}: intents {[intent for _, intent in seen]}"
                          + (f" -- WRONG: {'; '.join(wrong)}" if wrong else ""))
                    if wrong:
                        problems.append(f"{language} / {name}")
                    elif f"{language}: {name}" not in have:
                        stories.append({"story": f"{language}: {name}", "steps": steps})
                if stories:
                    with path.open("a") as out:
                        out.write(yaml.safe_dump(stories, allow_unicode=True, sort_keys=False, width=120))
                print(f"{language}: {len(stories)} stories appended to {path}")
            if problems:
                raise SystemExit("not recorded: " + ", ".join(problems))
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, 15)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, 9)


if __name__ == "__main__":
    main()
