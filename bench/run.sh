#!/usr/bin/env bash
# `make bench` / `make bench-NAME`: each benchmark prints its result as its last line.
set -uo pipefail
cd "$(dirname "$0")/.."
names=(hub ack nlu scale dispatch)
want=${1:-all}
[ "$want" = all ] && selected=("${names[@]}") || selected=("$want")
status=0
for name in "${selected[@]}"; do
  if [[ ! " ${names[*]} " =~ " $name " ]]; then
    echo "unknown benchmark '$name' (choose from: ${names[*]})" >&2; exit 2
  fi
  if [ ! -x "bench/$name/run.sh" ]; then
    echo "bench-$name: not built yet (bench/$name/run.sh is missing)" >&2; status=1; continue
  fi
  echo "== bench-$name =="
  bash "bench/$name/run.sh" || status=1
done
exit $status
