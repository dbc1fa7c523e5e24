#!/usr/bin/env bash
# A three-node NATS cluster with JetStream on one machine, for development, drills and tests
# (issue #15): three nats-server processes joined by routes, each with its own JetStream store.
#
#   bash infra/nats-cluster/run.sh start      # starts n1..n3, waits until JetStream has a leader
#   bash infra/nats-cluster/run.sh status     # which nodes answer, and the JetStream meta leader
#   bash infra/nats-cluster/run.sh stop [N]   # stops every node, or node N (1..3) only
#   bash infra/nats-cluster/run.sh kill N     # SIGKILLs node N (a crash, for drills)
#   bash infra/nats-cluster/run.sh start N    # starts node N again (it rejoins and catches up)
#
# Apps reach it with NATS_URL=nats://127.0.0.1:4231,nats://127.0.0.1:4232,nats://127.0.0.1:4233
# (printed by `urls`). Settings (environment):
#   NATS_CLUSTER_DIR   state, logs and pids (default /tmp/tilemud-nats-cluster)
#   NATS_CLUSTER_PORT  client port of n1; n2 and n3 take the next two (default 4231);
#                      route ports are +2000 (6231..), monitoring ports +4000 (8231..)
set -euo pipefail

DIR="${NATS_CLUSTER_DIR:-/tmp/tilemud-nats-cluster}"
BASE="${NATS_CLUSTER_PORT:-4231}"
NODES=(1 2 3)
WAIT_SECONDS="${NATS_CLUSTER_WAIT_SECONDS:-30}"

bin() {
  local b; b="$(command -v nats-server || true)"
  [[ -z "$b" && -x /usr/sbin/nats-server ]] && b=/usr/sbin/nats-server
  [[ -n "$b" ]] || { echo "nats-server is not installed: apt-get install -y nats-server (or see infra/docker-compose.yml)" >&2; exit 1; }
  echo "$b"
}
client_port() { echo $((BASE + $1 - 1)); }
route_port() { echo $((BASE + 2000 + $1 - 1)); }
monitor_port() { echo $((BASE + 4000 + $1 - 1)); }
pid_of() { [[ -f "$DIR/n$1.pid" ]] && cat "$DIR/n$1.pid" || true; }
alive() { local p; p="$(pid_of "$1")"; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }
healthy() { curl -fsS "http://127.0.0.1:$(monitor_port "$1")/healthz?js-enabled-only=true" >/dev/null 2>&1; }
urls() { local u=(); for n in "${NODES[@]}"; do u+=("nats://127.0.0.1:$(client_port "$n")"); done; (IFS=,; echo "${u[*]}"); }

config() {
  local n="$1" routes=()
  for m in "${NODES[@]}"; do [[ "$m" != "$n" ]] && routes+=("nats-route://127.0.0.1:$(route_port "$m")"); done
  cat <<CONF
server_name: n$n
listen: 127.0.0.1:$(client_port "$n")
http: 127.0.0.1:$(monitor_port "$n")
jetstream { store_dir: "$DIR/n$n/js" }
cluster {
  name: tilemud
  listen: 127.0.0.1:$(route_port "$n")
  routes: [$(IFS=,; echo "${routes[*]}")]
}
CONF
}

start_node() {
  local n="$1"
  if alive "$n"; then echo "n$n already running (pid $(pid_of "$n"))"; return; fi
  mkdir -p "$DIR/n$n/js"
  config "$n" >"$DIR/n$n.conf"
  nohup "$(bin)" -c "$DIR/n$n.conf" >>"$DIR/n$n.log" 2>&1 &
  echo $! >"$DIR/n$n.pid"
  echo "n$n started (pid $!, client $(client_port "$n"), log $DIR/n$n.log)"
}

wait_healthy() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  for n in "$@"; do
    until healthy "$n"; do
      if ((SECONDS > deadline)); then echo "n$n: JetStream not ready after ${WAIT_SECONDS}s (log: $DIR/n$n.log)" >&2; exit 1; fi
      alive "$n" || { echo "n$n exited (log: $DIR/n$n.log)" >&2; tail -5 "$DIR/n$n.log" >&2; exit 1; }
      sleep 0.2
    done
  done
}

stop_node() {
  local n="$1" sig="${2:-TERM}" p
  p="$(pid_of "$n")"
  if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then
    kill "-$sig" "$p"
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    echo "n$n stopped ($sig)"
  fi
  rm -f "$DIR/n$n.pid"
}

status() {
  for n in "${NODES[@]}"; do
    if alive "$n"; then
      local leader; leader="$(curl -fsS "http://127.0.0.1:$(monitor_port "$n")/jsz" 2>/dev/null | sed -n 's/.*"leader": *"\([^"]*\)".*/\1/p' | head -1)"
      echo "n$n up   pid $(pid_of "$n")  client $(client_port "$n")  $(healthy "$n" && echo jetstream-ready || echo jetstream-not-ready)  meta-leader ${leader:-?}"
    else
      echo "n$n down"
    fi
  done
  echo "NATS_URL=$(urls)"
}

cmd="${1:-start}"; node="${2:-}"
if [[ -n "$node" && ! " ${NODES[*]} " =~ " $node " ]]; then echo "unknown node '$node': one of ${NODES[*]}" >&2; exit 2; fi
case "$cmd" in
  start)
    if [[ -n "$node" ]]; then start_node "$node"; wait_healthy "$node"; else for n in "${NODES[@]}"; do start_node "$n"; done; wait_healthy "${NODES[@]}"; fi
    echo "NATS_URL=$(urls)" ;;
  stop) if [[ -n "$node" ]]; then stop_node "$node"; else for n in "${NODES[@]}"; do stop_node "$n"; done; fi ;;
  kill) [[ -n "$node" ]] || { echo "kill needs a node: 1, 2 or 3" >&2; exit 2; }; stop_node "$node" KILL ;;
  status) status ;;
  urls) urls ;;
  *) echo "usage: $0 start|stop|kill|status|urls [node]" >&2; exit 2 ;;
esac
