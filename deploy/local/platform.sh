#!/usr/bin/env bash
# Starts and stops the platform's four services as separate local processes.
#   platform.sh up     start what is not running, return once /health is green (else the log tails)
#   platform.sh down   stop them (TERM, then KILL after a grace period)
#   platform.sh run    up, then follow the logs in the foreground; Ctrl-C stops the services
#   platform.sh status
# State (pid files, logs) lives in $PLATFORM_STATE_DIR (default <root>/var/platform), so a test
# run can keep its own platform beside a developer's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${PLATFORM_STATE_DIR:-$ROOT/var/platform}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
NAMEKO="$(dirname "$PY")/nameko"
PORT="${GATEWAY_PORT:-8000}"
HOST="${GATEWAY_HOST:-127.0.0.1}"
SERVICES=(investments budgets personnel gateway)
declare -A SERVICE_CLASS=([investments]=InvestmentsService [budgets]=BudgetsService
                          [personnel]=PersonnelService [gateway]=GatewayService)
WAIT_SECONDS="${PLATFORM_WAIT_SECONDS:-90}"
# Local development: the services accept the development secret and the loopback guest account
# only with PLATFORM_ENV=local (services/common/config.py); a deployment leaves it unset.
export PLATFORM_ENV="${PLATFORM_ENV:-local}"

say() { echo "[platform] $*"; }
mkdir -p "$STATE/run" "$STATE/log"

alive() {  # alive <service>: its recorded pid runs a nameko process
  local pidfile="$STATE/run/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q nameko "/proc/$pid/cmdline" 2>/dev/null
}

start_one() {
  local svc="$1"
  if alive "$svc"; then say "$svc already running (pid $(cat "$STATE/run/$svc.pid"))"; return; fi
  rm -f "$STATE/run/$svc.pid"  # stale pid from a killed run
  cd "$ROOT"
  setsid "$NAMEKO" run --config "$ROOT/deploy/nameko.yaml" "services.$svc.service:${SERVICE_CLASS[$svc]}" \
    >>"$STATE/log/$svc.log" 2>&1 < /dev/null &
  echo $! > "$STATE/run/$svc.pid"
  say "started $svc (pid $!, log $STATE/log/$svc.log)"
}

# Prometheus file_sd targets of every service replica (deploy/local/monitoring.sh reads it).
# One replica each; the gateway serves its metrics on its API port.
write_targets() {
  local port file="$STATE/prometheus-targets.json" entries=() svc
  for svc in "${SERVICES[@]}"; do
    case "$svc" in
      gateway) port="$PORT" ;;
      investments) port="${INVESTMENTS_METRICS_PORT:-9101}" ;;
      budgets) port="${BUDGETS_METRICS_PORT:-9102}" ;;
      personnel) port="${PERSONNEL_METRICS_PORT:-9103}" ;;
    esac
    entries+=("{\"targets\": [\"$HOST:$port\"], \"labels\": {\"service\": \"$svc\", \"replica\": \"1\"}}")
  done
  (IFS=,; echo "[${entries[*]}]") >"$file.tmp" && mv "$file.tmp" "$file"
}

health() { curl -s -o "$STATE/health.json" -w '%{http_code}' "http://$HOST:$PORT/health" 2>/dev/null || true; }

wait_healthy() {
  local deadline=$((SECONDS + WAIT_SECONDS)) code
  while (( SECONDS < deadline )); do
    code="$(health)"
    [[ "$code" == 200 ]] && { say "healthy: http://$HOST:$PORT/health"; return 0; }
    for svc in "${SERVICES[@]}"; do
      if ! alive "$svc"; then
        say "$svc exited during start; last lines of its log:"; tail -n 40 "$STATE/log/$svc.log" >&2
        return 1
      fi
    done
    sleep 1
  done
  say "not healthy after ${WAIT_SECONDS}s; /health said: $(cat "$STATE/health.json" 2>/dev/null)"
  for svc in "${SERVICES[@]}"; do
    echo "----- $svc (last 20 lines)" >&2; tail -n 20 "$STATE/log/$svc.log" >&2 || true
  done
  return 1
}

stop_all() {
  local pids=() svc pid
  for svc in "${SERVICES[@]}"; do
    if alive "$svc"; then pid="$(cat "$STATE/run/$svc.pid")"; kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  for _ in $(seq 1 40); do
    local any=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && any=1; done
    (( any == 0 )) && break; sleep 0.25
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$STATE"/run/*.pid
  say "stopped"
}

case "${1:-}" in
  up)
    write_targets
    for svc in "${SERVICES[@]}"; do start_one "$svc"; done
    wait_healthy ;;
  down) stop_all ;;
  status)
    rc=0; for svc in "${SERVICES[@]}"; do if alive "$svc"; then say "$svc up"; else say "$svc down"; rc=1; fi; done
    code="$(health)"; say "/health: $code"; [[ "$code" == 200 ]] || rc=1; exit $rc ;;
  run)
    write_targets
    for svc in "${SERVICES[@]}"; do start_one "$svc"; done
    trap 'echo; stop_all; exit 0' INT TERM
    wait_healthy || { stop_all; exit 1; }
    say "platform running; Ctrl-C stops it"
    tail -n 0 -F "$STATE"/log/*.log &
    wait $! ;;
  *) echo "usage: $0 up|down|status|run" >&2; exit 2 ;;
esac
