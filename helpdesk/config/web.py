"""The web server: daphne serving the helpdesk from WEB_PROCESSES processes that share one listening socket.

    python -m helpdesk.config.web [--bind 127.0.0.1] [--port 8000] [--processes N] [other daphne options]

One daphne process is one Python interpreter and never uses more than one core, while an SMS webhook costs it about
10-15 ms of CPU (signature, parsing, storing, scheduling): one process tops out below the hundred webhooks a second a
busy carrier sends, and the acknowledgements queue up behind each other (bench-hub). The socket is opened here and
every daphne process accepts from it (`daphne --fd`), so the kernel hands each new connection to a process that is
waiting for one. When any process exits the others are stopped and this exits with its status, for the supervisor
(honcho, Docker) to restart the whole server.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--processes", type=int, default=int(os.environ.get("WEB_PROCESSES", "2")),
                        help="daphne processes (default: WEB_PROCESSES or 2)")
    args, daphne_options = parser.parse_known_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    listener = socket.create_server((args.bind, args.port), backlog=1024)
    listener.set_inheritable(True)
    daphne = str(Path(sys.executable).parent / "daphne")
    command = [daphne, "--fd", str(listener.fileno()), *daphne_options, APPLICATION]
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
            print(f"web: daphne {exited[0].pid} exited with {exited[0].returncode}; stopping the others",
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
