"""What the benchmarks share: progress on stderr, free ports, percentiles and the subprocesses they start."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
# The Procfile's chats + dispatch worker (`worker:` line): its Celery pool and size, which bench-hub and
# bench-dispatch start by default (tests/deploy/test_priority.py checks they agree with the Procfile).
PROCFILE_WORKER_POOL, PROCFILE_WORKER_CONCURRENCY = "threads", "16"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _terminated(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


class Processes:
    """The servers a benchmark runs (each in its own process group, output in a log file), stopped together."""

    def __init__(self, bench: str):
        self.bench = bench
        self.logs = Path(tempfile.mkdtemp(prefix=f"parceldesk-{bench}-"))
        self.running: list[tuple[str, subprocess.Popen]] = []
        # A benchmark stopped with SIGTERM (kill, a CI timeout) unwinds like Ctrl-C, so its `finally` stops the
        # servers; without this Python dies at once and leaves Rasa, the worker and the web server running.
        signal.signal(signal.SIGTERM, _terminated)

    def start(self, name: str, args: list[str], env: dict) -> Path:
        log_path = self.logs / f"{name}.log"
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.running.append((name, process))
        return log_path

    def pid(self, name: str) -> int:
        return next(p.pid for n, p in self.running if n == name)

    def alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise SystemExit(f"{self.bench}: {name} exited with {process.returncode}; see {self.logs / name}.log")

    def stop(self) -> None:
        for _, process in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_until(condition, timeout: float, processes: Processes) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.alive()
        if condition():
            return True
        time.sleep(0.5)
    return False


def cpu_seconds(pgid: int) -> float:
    """User + system CPU of the processes of a process group (a server and its children, a worker's pool)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # the process group
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat: every process's work, the
    benchmark's own and the database's included; steal is time the hypervisor gave to other machines."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / tick, steal / tick


def open_loop(sends: list[Callable[[], Optional[str]]], rate: float, give_up: float) -> tuple[list[float], list[str]]:
    """Call each of `sends` when it is due (`rate` per second) whatever the answers do; latency counts from when it
    was due, so a server that falls behind cannot hide it. A send returns the id the server acknowledged (None: not
    acknowledged). What is still unanswered `give_up` seconds after the last was due counts as not acknowledged, with
    that wait as its latency. Returns the latencies (s) and the acknowledged ids."""
    latencies: list[float] = []
    acknowledged: list[str] = []
    lock = threading.Lock()

    def run(send: Callable[[], Optional[str]], due: float) -> None:
        acknowledged_id = send()
        finished = time.time()
        with lock:
            latencies.append(finished - due)
            if acknowledged_id is not None:
                acknowledged.append(acknowledged_id)

    start = time.time() + 0.2
    pool = ThreadPoolExecutor(max_workers=64)
    futures = []
    for i, send in enumerate(sends):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(run, send, due))
    wait(futures, timeout=max(0.0, start + len(sends) / rate + give_up - time.time()))
    pool.shutdown(wait=False, cancel_futures=True)
    with lock:
        latencies.extend([give_up] * (len(sends) - len(latencies)))
        return list(latencies), list(acknowledged)
