"""Run a command, then write "<wall seconds> <CPU seconds (user + system, children included)>" to OUT.

Usage: python timed.py OUT COMMAND [ARGS...]   (the command's output goes to stderr)
"""
import resource
import subprocess
import sys
import time

start = time.monotonic()
code = subprocess.call(sys.argv[2:], stdout=sys.stderr)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.monotonic() - start:.1f} {usage.ru_utime + usage.ru_stime:.1f}\n")
sys.exit(code)
