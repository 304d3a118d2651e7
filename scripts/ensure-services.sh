#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer for the test suites that use them.
# Uses DATABASE_URL / REDIS_URL when set; else the servers on their default
# local ports; else starts them from the installed binaries; else says the
# one apt-get line that installs them and fails. Never a silent skip.
set -uo pipefail

fix="apt-get update && apt-get install -y postgresql redis-server"

pg_ok() {
  if [ -n "${DATABASE_URL:-}" ]; then pg_isready -q -d "$DATABASE_URL"; else pg_isready -q -h 127.0.0.1 -p 5432; fi
}
redis_ok() {
  if [ -n "${REDIS_URL:-}" ]; then redis-cli -u "$REDIS_URL" ping 2>/dev/null | grep -q PONG
  else redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; fi
}
wait_for() { for _ in $(seq 1 50); do "$1" && return 0; sleep 0.2; done; return 1; }

if ! command -v pg_isready >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "ensure-services: PostgreSQL or Redis client tools are missing; install them with: $fix" >&2
  exit 1
fi

if ! pg_ok; then
  if [ -n "${DATABASE_URL:-}" ]; then echo "ensure-services: DATABASE_URL is set but does not answer" >&2; exit 1; fi
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ] && command -v pg_ctlcluster >/dev/null; then
    echo "ensure-services: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  if ! wait_for pg_ok; then
    echo "ensure-services: PostgreSQL is not running on 127.0.0.1:5432 and could not be started; install it with: $fix" >&2
    exit 1
  fi
fi
if ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='test'" postgres 2>/dev/null | grep -q 1; then
  [ -n "${DATABASE_URL:-}" ] || createdb -h 127.0.0.1 -U postgres test 2>/dev/null || true
fi

if ! redis_ok; then
  if [ -n "${REDIS_URL:-}" ]; then echo "ensure-services: REDIS_URL is set but does not answer" >&2; exit 1; fi
  if command -v redis-server >/dev/null; then
    echo "ensure-services: starting Redis"
    mkdir -p /tmp/tickring-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no --dir /tmp/tickring-redis --logfile /tmp/tickring-redis/redis.log
  fi
  if ! wait_for redis_ok; then
    echo "ensure-services: Redis is not running on 127.0.0.1:6379 and could not be started; install it with: $fix" >&2
    exit 1
  fi
fi
echo "ensure-services: PostgreSQL and Redis answer"
