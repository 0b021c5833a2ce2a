"""CPU priority in both production layouts: the web server (webhook acknowledgements, agents' pages) is never behind
the bot. Procfile: web at nice 0, the chats worker, beat, Rasa and the action server niced, the notices worker niced
further; docker-compose.yml: the same order with cpu_shares. bench-hub starts its processes at the Procfile's levels,
so it measures what production runs. Processes started from the Procfile's own command lines report the niceness."""
import os
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from bench import harness, hub

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARES = 1024  # Docker's weight for a container without cpu_shares


def _procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if ":" not in line or line.startswith("#"):
            continue
        name, command = line.split(":", 1)
        entries[name] = shlex.split(command)
    return entries


def _niceness(argv: list[str]) -> int:
    """The niceness `exec [nice -n N] program ...` starts the program at (relative to its parent's)."""
    argv = argv[1:] if argv[0] == "exec" else argv
    if argv[0] != "nice":
        return 0
    assert argv[1] == "-n", argv
    return int(argv[2])


def test_the_web_server_runs_at_normal_priority_and_the_rest_behind_it():
    procfile = _procfile()
    nice = {name: _niceness(argv) for name, argv in procfile.items()}
    assert nice["web"] == 0 and nice["redis"] == 0
    for name in ("worker", "beat", "rasa", "actions"):
        assert nice[name] >= 5, (name, procfile[name])
    assert nice["notices"] > nice["worker"], "proactive notices must stay behind the chats"
    assert set(nice) == {"redis", "web", "worker", "notices", "beat", "rasa", "actions"}, "a new process: set its nice"


def test_procfile_commands_start_their_program_at_that_niceness():
    """Each Procfile line's own prefix (exec, nice -n N), run by the shell as honcho runs it, with the program swapped
    for one that reports the niceness it got."""
    report = "python3 -c 'import os; print(os.nice(0))'"
    for name, argv in _procfile().items():
        prefix = argv[:4] if argv[1] == "nice" else argv[:1]
        out = subprocess.run(["sh", "-c", " ".join(prefix) + " " + report], capture_output=True, text=True,
                             check=True).stdout
        assert int(out) == os.nice(0) + _niceness(argv), name


def test_compose_weighs_the_web_server_above_the_bot_and_the_workers():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    shares = {name: service.get("cpu_shares", DEFAULT_SHARES) for name, service in services.items()}
    assert shares["web"] == DEFAULT_SHARES
    assert shares["postgres"] >= shares["web"] and shares["redis"] >= shares["web"]  # the web server waits on them
    for name in ("worker", "beat", "rasa", "actions"):
        assert shares[name] <= shares["web"] // 4, name
    assert shares["notices"] < shares["worker"]


@pytest.mark.parametrize("name", ["worker", "rasa", "actions"])
def test_bench_hub_runs_the_bot_and_the_worker_at_the_procfile_niceness(name):
    assert hub.PROCFILE_NICENESS[name] == _niceness(_procfile()[name])


def test_the_benches_run_the_chats_worker_with_the_procfile_pool():
    """bench-hub and bench-dispatch start the worker with bench.harness's PROCFILE_WORKER_* by default."""
    argv = _procfile()["worker"]
    pool = argv[argv.index("--pool") + 1] if "--pool" in argv else "prefork"  # Celery's default
    assert (harness.PROCFILE_WORKER_POOL, harness.PROCFILE_WORKER_CONCURRENCY) == (pool, argv[argv.index("--concurrency") + 1])
