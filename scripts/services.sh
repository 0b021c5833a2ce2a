#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (starting them if they are down); fails clearly otherwise.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] || \
  { exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && read -t 2 -r line <&3 && [[ $line == +PONG* ]]; } 2>/dev/null; }

wait_for() { # name, check function
  for _ in $(seq 1 30); do "$2" && return 0; sleep 1; done
  return 1
}

ok=1
if ! pg_up; then
  echo "[services] PostgreSQL is down on 127.0.0.1:5432; starting it ..."
  if ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>&1 | sed 's/^/[services]   /'
  fi
  wait_for postgres pg_up || { echo "[services] ERROR: cannot start PostgreSQL. Install it (apt-get install postgresql) or start it, with trust auth for user postgres on 127.0.0.1:5432." >&2; ok=0; }
fi
if ! redis_up; then
  echo "[services] Redis is down on 127.0.0.1:6379; starting it ..."
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  wait_for redis redis_up || { echo "[services] ERROR: cannot start Redis. Install it (apt-get install redis-server) or start it on 127.0.0.1:6379." >&2; ok=0; }
fi
[ $ok = 1 ] || exit 1
echo "[services] PostgreSQL and Redis are up."
