"""The web server: uvicorn serving the helpdesk from WEB_PROCESSES processes that share one listening socket.

    python -m helpdesk.config.web [--bind 127.0.0.1] [--port 8000] [--processes N] [--server uvicorn|daphne]

One process is one Python interpreter and never uses more than one core, and a busy carrier sends about a hundred SMS
webhooks a second, each a few milliseconds of CPU (signature, parsing, storing, scheduling). The socket is opened here
and every process accepts from it, so the kernel hands each new connection to a process that is waiting for one. When
any process exits the others are stopped and this exits with its status, for the supervisor (honcho, Docker) to
restart the whole server.

Each process is uvicorn on uvloop with httptools (HTTP) and websockets (the web chat's and the agents' sockets, through
Channels). It replaced daphne, whose Twisted HTTP handling cost as much CPU per webhook as the webhook's own work:
at 100 webhooks/s two daphne processes needed more than one of the machine's two cores and the acknowledgements
queued for seconds (bench/ack.py compares both in one run). `--server daphne` still starts daphne processes on the
socket, as the baseline of that benchmark.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

APPLICATION = "helpdesk.config.asgi:application"
SERVERS = ("uvicorn", "daphne")


def serve_uvicorn(fd: int) -> None:
    """One web process: uvicorn serving the application on the inherited listening socket `fd`."""
    import uvicorn

    listener = socket.socket(fileno=fd)  # the family (IPv4 or IPv6) is read from the socket itself
    config = uvicorn.Config(
        APPLICATION,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        lifespan="off",  # the Channels router has no lifespan protocol; nothing runs at start-up or shutdown
        # Django decides what to trust (SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST), as it did under daphne.
        proxy_headers=False,
        access_log=False,
        log_config=None,  # Django's LOGGING configures the root logger; uvicorn's loggers propagate to it
        timeout_graceful_shutdown=10,  # open web sockets are closed (1012) and their consumers given this long
    )
    uvicorn.Server(config).run(sockets=[listener])


def _command(server: str, fd: int, options: list[str]) -> list[str]:
    if server == "daphne":
        return [str(Path(sys.executable).parent / "daphne"), "--fd", str(fd), *options, APPLICATION]
    if options:
        raise SystemExit(f"web: uvicorn takes no extra options here: {' '.join(options)}")
    return [sys.executable, "-m", "helpdesk.config.web", "--serve-fd", str(fd)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--processes", type=int, default=int(os.environ.get("WEB_PROCESSES", "2")),
                        help="server processes (default: WEB_PROCESSES or 2)")
    parser.add_argument("--server", choices=SERVERS, default="uvicorn",
                        help="uvicorn (default), or daphne (the old server, a benchmark's baseline; takes daphne's "
                             "own options after these)")
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)  # one uvicorn process (started by this)
    args, server_options = parser.parse_known_args(argv)
    if args.serve_fd is not None:
        serve_uvicorn(args.serve_fd)
        return 0
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    listener = socket.create_server((args.bind, args.port), backlog=1024)
    listener.set_inheritable(True)
    command = _command(args.server, listener.fileno(), server_options)
    children = [subprocess.Popen(command, pass_fds=(listener.fileno(),)) for _ in range(args.processes)]
    listener.close()  # the children hold it now

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    while not stopping:
        exited = [child for child in children if child.poll() is not None]
        if exited:
            status = exited[0].returncode or 1  # one died: stop the rest, the supervisor restarts the server
            print(f"web: {args.server} {exited[0].pid} exited with {exited[0].returncode}; stopping the others",
                  file=sys.stderr, flush=True)
            stop(signal.SIGTERM, None)
            break
        time.sleep(0.5)
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return status


if __name__ == "__main__":
    sys.exit(main())
