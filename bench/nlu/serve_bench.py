"""bench-nlu, served: each model on a real Rasa HTTP server, one after the other, on the same machine.

For every model: time until the server answers with the model loaded, RSS of the Rasa process
after load, /model/parse latency over every held-out message (bot/tests/nlu/*.yml) with the
held-out intent accuracy and exact tracking numbers per language, full-turn latency through
the REST channel (/webhooks/rest/webhook, a new conversation per message, so tracking
questions run the action server against the stand-in helpdesk), and RSS after the run.

Usage (bot venv, from bot/): python ../bench/nlu/serve_bench.py OUT.json NAME=MODEL ...
(training times are read from MODEL.train-seconds / MODEL.train-cpu-seconds when the training scripts wrote them)
"""
from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
sys.path.insert(0, str(BOT_DIR))
from tests.helpdesk_standin import HelpdeskStandin, demo_state  # noqa: E402

LANGUAGES = ["en", "zh-hans", "zh-hant", "ru"]
TOKEN = "bench-rasa-token"
TURNS = int(os.environ.get("BENCH_NLU_TURNS", "200"))  # full turns per model (stratified by language)
PARSE_LIMIT = int(os.environ.get("BENCH_NLU_PARSE_LIMIT", "0"))  # 0: every held-out message (smoke runs use less)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children, in MB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except FileNotFoundError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def held_out() -> list[tuple[str, str, str, set]]:
    """(language, text, intent, {tracking numbers}) for every held-out example."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = []
    for language in LANGUAGES:
        data = RasaYAMLReader().read(BOT_DIR / "tests" / "nlu" / f"{language}.yml")
        for example in data.intent_examples:
            text = example.get("text")
            numbers = {text[e["start"]:e["end"]].upper() for e in example.get("entities") or []
                       if e["entity"] == "tracking_number"}
            examples.append((language, text, example.get("intent"), numbers))
    return examples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_model(name: str, model: str, endpoints: Path, logs: Path, examples: list) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = logs / f"rasa-{name}.log"
    # Both models served as bot/scripts/rasa.sh serves ours (rasa with speedups.py installed).
    rasa_cli = str(BOT_DIR / "scripts" / "rasa_cli.py")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, rasa_cli, "run", "--enable-api", "--auth-token", TOKEN, "-i", "127.0.0.1",
                                "-p", str(port), "--model", model, "--endpoints", str(endpoints)],
                               cwd=BOT_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"rasa ({name}) exited:\n{log.read_text()[-3000:]}")
            try:
                status = requests.get(f"{base}/status?token={TOKEN}", timeout=2)
                if status.status_code == 200 and status.json().get("model_id"):
                    break
            except requests.RequestException:
                pass
            if time.perf_counter() - started > 900:
                raise SystemExit(f"rasa ({name}) did not load within 15 minutes")
            time.sleep(0.2)
        load_seconds = time.perf_counter() - started
        rss_loaded = rss_mb(process.pid)
        session = requests.Session()

        # /model/parse over every held-out message (after a short warm-up).
        for _, text, _, _ in examples[:10]:
            session.post(f"{base}/model/parse?token={TOKEN}", json={"text": text}, timeout=60)
        parse_ms, per_language = [], {lang: {"n": 0, "correct": 0, "tn_expected": 0, "tn_exact": 0, "tn_spurious": 0}
                                      for lang in LANGUAGES}
        for language, text, intent, numbers in examples:
            t0 = time.perf_counter()
            result = session.post(f"{base}/model/parse?token={TOKEN}", json={"text": text}, timeout=60).json()
            parse_ms.append((time.perf_counter() - t0) * 1000)
            scores = per_language[language]
            scores["n"] += 1
            scores["correct"] += (result.get("intent") or {}).get("name") == intent
            found = {str(e.get("value")).upper() for e in result.get("entities") or []
                     if e.get("entity") == "tracking_number"}
            scores["tn_expected"] += len(numbers)
            scores["tn_exact"] += len(numbers & found)
            scores["tn_spurious"] += len(found - numbers)

        # Full turns: the first message of a new conversation, through the REST channel.
        rng = random.Random(42)
        sample = []
        for language in LANGUAGES:
            pool = [e for e in examples if e[0] == language]
            sample += rng.sample(pool, min(len(pool), TURNS // len(LANGUAGES)))
        turn_ms, replies = [], 0
        for index, (language, text, _, _) in enumerate(sample):
            t0 = time.perf_counter()
            response = session.post(f"{base}/webhooks/rest/webhook", json={
                "sender": str(500000 + index), "message": text,
                "metadata": {"channel": "webchat", "language": None, "customer_verified": False}}, timeout=120)
            turn_ms.append((time.perf_counter() - t0) * 1000)
            replies += bool(response.ok and response.json())
        rss_after = rss_mb(process.pid)
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
    return {
        "load_seconds": round(load_seconds, 1),
        "rss_mb_after_load": round(rss_loaded), "rss_mb_after_run": round(rss_after),
        "parse": {"messages": len(parse_ms), "p50_ms": round(percentile(parse_ms, 0.5), 1),
                  "p95_ms": round(percentile(parse_ms, 0.95), 1), "mean_ms": round(statistics.mean(parse_ms), 1)},
        "turn": {"turns": len(turn_ms), "answered": replies, "p50_ms": round(percentile(turn_ms, 0.5), 1),
                 "p95_ms": round(percentile(turn_ms, 0.95), 1)},
        "languages": {lang: {"accuracy": round(s["correct"] / max(s["n"], 1), 3), "examples": s["n"],
                             "tracking_numbers": f"{s['tn_exact']}/{s['tn_expected']}",
                             "tracking_spurious": s["tn_spurious"]} for lang, s in per_language.items()},
    }


def sidecar(model: str, suffix: str):
    """A number the training scripts wrote beside the model (train.sh, bench/nlu/train-full.sh), or None."""
    try:
        return float(Path(f"{model}.{suffix}").read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def main() -> None:
    out = Path(sys.argv[1])
    models = []
    for arg in sys.argv[2:]:
        name, _, path = arg.partition("=")
        models.append((name, path, sidecar(path, "train-seconds"), sidecar(path, "train-cpu-seconds")))
    examples = held_out()
    if PARSE_LIMIT:
        examples = random.Random(1).sample(examples, PARSE_LIMIT)
    logs = Path(tempfile.mkdtemp(prefix="bench-nlu-"))
    state = demo_state("bench-helpdesk-token")
    state.lookups_left = state.otp_send_limit = 10 ** 9
    with HelpdeskStandin(state) as helpdesk:
        actions_port = free_port()
        endpoints = logs / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
        alog = logs / "actions.log"
        actions = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
            cwd=BOT_DIR, env={**os.environ, "HELPDESK_URL": helpdesk.url, "HELPDESK_API_TOKEN": state.token},
            stdout=alog.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{actions_port}/health", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if actions.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"action server did not start:\n{alog.read_text()[-3000:]}")
                time.sleep(0.5)
            results = {}
            for name, path, train_seconds, train_cpu in models:
                print(f"bench-nlu: serving '{name}' ...", file=sys.stderr, flush=True)
                results[name] = {"model": path, "train_seconds": train_seconds, "train_cpu_seconds": train_cpu,
                                 **bench_model(name, path, endpoints, logs, examples)}
                results[name]["helpdesk_requests"] = len(helpdesk.requests)
        finally:
            os.killpg(actions.pid, 15)
            actions.wait(timeout=30)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report(results)


def report(results: dict) -> None:
    names = list(results)
    rows = [
        ("training wall (s)", lambda r: r["train_seconds"]),
        ("training CPU (s)", lambda r: r.get("train_cpu_seconds")),
        ("load (s)", lambda r: r["load_seconds"]),
        ("RSS after load (MB)", lambda r: r["rss_mb_after_load"]),
        ("RSS after run (MB)", lambda r: r["rss_mb_after_run"]),
        ("parse p50 (ms)", lambda r: r["parse"]["p50_ms"]),
        ("parse p95 (ms)", lambda r: r["parse"]["p95_ms"]),
        ("full turn p50 (ms)", lambda r: r["turn"]["p50_ms"]),
        ("full turn p95 (ms)", lambda r: r["turn"]["p95_ms"]),
    ] + [(f"accuracy {lang}", (lambda lang: lambda r: r["languages"][lang]["accuracy"])(lang)) for lang in LANGUAGES] \
      + [(f"tracking no. {lang}", (lambda lang: lambda r: r["languages"][lang]["tracking_numbers"])(lang))
         for lang in LANGUAGES]
    print(f"\n{'':22}" + "".join(f"{n:>14}" for n in names))
    for label, get in rows:
        print(f"{label:22}" + "".join(f"{'n/a' if get(results[n]) is None else get(results[n]):>14}" for n in names))
    print(f"(parse: {results[names[0]]['parse']['messages']} held-out messages; "
          f"full turns: {results[names[0]]['turn']['turns']} first messages of new conversations)")
    if len(names) >= 2:
        ours, base = results[names[0]], results[names[1]]
        acc = lambda r: statistics.mean(r["languages"][lang]["accuracy"] for lang in LANGUAGES)  # noqa: E731
        worst = min(LANGUAGES, key=lambda lang: ours["languages"][lang]["accuracy"] - base["languages"][lang]["accuracy"])
        if ours.get("train_cpu_seconds") and base.get("train_cpu_seconds"):
            train = f"training CPU {ours['train_cpu_seconds'] / base['train_cpu_seconds']:.2f}x"
        elif ours["train_seconds"] and base["train_seconds"]:
            train = f"training wall {ours['train_seconds'] / base['train_seconds']:.2f}x"
        else:
            train = "training n/a (a model trained before its time was recorded)"
        print(f"nlu/{names[1]} ratios ({names[0]} / {names[1]}): held-out accuracy "
              f"{acc(ours):.3f}/{acc(base):.3f} = {acc(ours) / max(acc(base), 1e-9):.2f}x "
              f"(smallest gain {worst} {ours['languages'][worst]['accuracy']:.3f}/{base['languages'][worst]['accuracy']:.3f}), "
              f"parse p50 {ours['parse']['p50_ms'] / base['parse']['p50_ms']:.2f}x, "
              f"full turn p50 {ours['turn']['p50_ms'] / base['turn']['p50_ms']:.2f}x, "
              f"RSS {ours['rss_mb_after_run'] / base['rss_mb_after_run']:.2f}x, {train}")


if __name__ == "__main__":
    main()
