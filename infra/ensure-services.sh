#!/usr/bin/env bash
# Makes sure the three backing services TileMUD needs are up on this machine,
# starting any that is down. Safe to run again and again (npm test and npm start run it).
#
#   PostgreSQL            127.0.0.1:5432
#   Redis                 127.0.0.1:6379
#   NATS with JetStream   127.0.0.1:4222
#
# A service is left alone when DATABASE_URL / REDIS_URL / NATS_URL points the app
# at another host. Without local packages, run them in containers instead:
#   docker compose -f infra/docker-compose.yml up -d
set -euo pipefail

WAIT_SECONDS=20
INSTALL_HINT="install it with: apt-get install -y postgresql redis-server nats-server
  or run the services in containers: docker compose -f infra/docker-compose.yml up -d"

fail() {
  local service="$1"; shift
  echo "$service: ERROR: $*" >&2
  echo "  $INSTALL_HINT" >&2
  exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command with a time limit when coreutils' timeout is there.
limited() {
  local secs="$1"; shift
  if have timeout; then timeout "$secs" "$@"; else "$@"; fi
}

tcp_open() { limited 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1; }

# Host of the first server in a URL: postgres://u:p@host:5432/db, nats://a:4222,nats://b:4222, [::1]:6379.
url_host() {
  local u="${1%%,*}"
  u="${u#*://}"
  u="${u%%/*}"
  u="${u%%\?*}"
  u="${u##*@}"
  if [[ "$u" == \[* ]]; then
    u="${u#\[}"; u="${u%%]*}"
  else
    u="${u%%:*}"
  fi
  printf '%s' "$u"
}

# True (0) when the variable is unset or names this machine.
is_local() {
  local value="${!1:-}"
  [[ -z "$value" ]] && return 0
  local host; host="$(url_host "$value")"
  case "$host" in
    ''|127.0.0.1|localhost|::1|0.0.0.0) return 0 ;;
    *) echo "$2: skipped ($1 points to $host)"; return 1 ;;
  esac
}

wait_for() {
  local check="$1" deadline=$((SECONDS + ${2:-$WAIT_SECONDS}))
  while ((SECONDS < deadline)); do
    "$check" && return 0
    sleep 0.5
  done
  "$check"
}

# ---------------------------------------------------------------- PostgreSQL
pg_up() {
  if have pg_isready; then
    pg_isready -q -h 127.0.0.1 -p 5432 -t 2 >/dev/null 2>&1
  else
    tcp_open 127.0.0.1 5432
  fi
}

ensure_postgres() {
  is_local DATABASE_URL postgres || return 0
  if pg_up; then echo "postgres: up"; return 0; fi
  have pg_ctlcluster || fail postgres "not answering on 127.0.0.1:5432 and pg_ctlcluster is not installed"
  local version=""
  [[ -d /etc/postgresql ]] && version="$(ls /etc/postgresql | head -1)"
  [[ -n "$version" ]] || fail postgres "not answering on 127.0.0.1:5432 and no cluster under /etc/postgresql"
  local out rc=0
  out="$(pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1)" || rc=$?
  if ((rc != 0)); then
    # It may be "already running" and still starting up: a short grace, then give up.
    wait_for pg_up 3 || fail postgres "could not start cluster $version/main (pg_ctlcluster exit $rc): $out"
  else
    wait_for pg_up || fail postgres "started cluster $version/main but it does not answer on 127.0.0.1:5432 after ${WAIT_SECONDS}s"
  fi
  echo "postgres: started"
}

# --------------------------------------------------------------------- Redis
redis_up() {
  if have redis-cli; then
    [[ "$(limited 2 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]]
  else
    tcp_open 127.0.0.1 6379
  fi
}

ensure_redis() {
  is_local REDIS_URL redis || return 0
  if redis_up; then echo "redis: up"; return 0; fi
  have redis-server || fail redis "not answering on 127.0.0.1:6379 and redis-server is not installed"
  local dir=/var/lib/redis logfile=/var/log/redis/ci.log
  if [[ ! -d "$dir" || ! -w "$dir" || ! -d /var/log/redis || ! -w /var/log/redis ]]; then
    dir=/tmp logfile=/tmp/redis.log
  fi
  local out
  out="$(redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$logfile" 2>&1)" || true
  wait_for redis_up || fail redis "started redis-server but it does not answer on 127.0.0.1:6379 after ${WAIT_SECONDS}s (log: $logfile)${out:+: $out}"
  echo "redis: started"
}

# ---------------------------------------------------------------------- NATS
nats_up() { tcp_open 127.0.0.1 4222; }

# The server's INFO line says whether JetStream is on; a server without it cannot run TileMUD.
nats_has_jetstream() {
  local info
  info="$(limited 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222; IFS= read -r line <&3; printf "%s" "$line"' 2>/dev/null)" || return 0
  [[ "$info" != INFO* || "$info" == *'"jetstream":true'* ]]
}

ensure_nats() {
  is_local NATS_URL nats || return 0
  local state=up log=""
  if ! nats_up; then
    state=started
    local bin; bin="$(command -v nats-server || true)"
    [[ -z "$bin" && -x /usr/sbin/nats-server ]] && bin=/usr/sbin/nats-server
    [[ -n "$bin" ]] || fail nats "not answering on 127.0.0.1:4222 and nats-server is not installed"
    local fallback=1
    if have start-stop-daemon && [[ -x /usr/sbin/nats-server && -d /var/lib/nats-server && -w /var/log ]]; then
      local out
      out="$(start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
        -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log 2>&1)" || true
      log=/var/log/nats-server.log
      fallback=0
      # "already running": a nats-server process exists but does not serve 4222 (another
      # port or config, or still starting). Give it a moment, then start our own beside it.
      if [[ "$out" == *"already running"* ]]; then
        wait_for nats_up 5 || fallback=1
      fi
    fi
    if ((fallback)); then
      mkdir -p /tmp/nats-js
      nohup "$bin" -a 127.0.0.1 -p 4222 -js -sd /tmp/nats-js >/tmp/nats.log 2>&1 &
      log=/tmp/nats.log
    fi
    wait_for nats_up || fail nats "started nats-server but it does not answer on 127.0.0.1:4222 after ${WAIT_SECONDS}s (log: $log)"
  fi
  nats_has_jetstream || fail nats "a NATS server answers on 127.0.0.1:4222 but JetStream is off: restart it with -js"
  echo "nats: $state"
}

ensure_postgres
ensure_redis
ensure_nats
