#!/usr/bin/env bash
# Builds (once) and prints the path of a virtualenv keyed by the hash of its lock file.
# Usage: scripts/ensure_venv.sh NAME PYTHON LOCKFILE
# The venv lives in a cache outside the repo so CI and `make run` reuse it.
set -euo pipefail
name=$1 python=$2 lock=$3
cache=${PARCELDESK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parceldesk}
if ! command -v "$python" >/dev/null 2>&1 && [ ! -x "$python" ]; then
  echo "error: $name needs the interpreter '$python', which is not installed." >&2
  echo "       For the bot that is Python 3.10 (pyenv install 3.10.13)." >&2
  exit 3
fi
hash=$( (cat "$lock"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
venv="$cache/venvs/$name-$hash"
if [ -f "$venv/.complete" ]; then
  echo "$venv"; exit 0
fi
uv=$(command -v uv || true)
if [ -z "$uv" ]; then
  echo "[$name] installing uv (fast installer) ..." >&2
  "$python" -m pip install --quiet --disable-pip-version-check uv >&2 || python3 -m pip install --quiet uv >&2
  uv=$(command -v uv || echo "$("$python" -c 'import sysconfig;print(sysconfig.get_path("scripts"))')/uv")
fi
mkdir -p "$cache/venvs"
rm -rf "$venv"
echo "[$name] building virtualenv $venv from $lock (first run only) ..." >&2
"$uv" venv --quiet -p "$python" "$venv" >&2
VIRTUAL_ENV="$venv" "$uv" pip install --require-hashes -r "$lock" >&2
touch "$venv/.complete"
echo "[$name] virtualenv ready." >&2
echo "$venv"
