#!/usr/bin/env bash
# Starts and stops the platform's four services as separate local processes.
#   platform.sh up     start what is not running, return once /health is green (else the log tails)
#   platform.sh down   stop them (TERM, then KILL after a grace period)
#   platform.sh run    up, then follow the logs in the foreground; Ctrl-C stops the services
#   platform.sh status
# State (pid files, logs) lives in $PLATFORM_STATE_DIR (default <root>/var/platform), so a test
# run can keep its own platform beside a developer's.
#
# Replicas: REPLICAS=N (default 1) runs N processes of every service, REPLICAS_<SERVICE>=N (e.g.
# REPLICAS_GATEWAY=3) overrides it for one. Replica r gets PLATFORM_REPLICA=r, its pid file and log
# are <service>.pid/.log for r = 1 and <service>-<r>.pid/.log after; it serves its metrics on the
# service's base port + 100*(r-1) (GATEWAY_METRICS_PORT 9100, INVESTMENTS_METRICS_PORT 9101,
# BUDGETS_METRICS_PORT 9102, PERSONNEL_METRICS_PORT 9103), and `up`/`run` write them to
# $PLATFORM_STATE_DIR/prometheus-targets.json (Prometheus file_sd). Gateway replicas share the HTTP
# port (the web server's socket has SO_REUSEPORT: the kernel spreads connections between them).
# `up` converges: replicas beyond the count are stopped.
#
# Broker users: `up`/`run` create the platform's broker users on AMQP_URI's vhost
# (services/broker_access.py, through RABBIT_API_URI's administrator) and start every service with
# its own least-privilege user instead of AMQP_URI's account; PLATFORM_BROKER_USERS=0 turns it off.
# Before that they declare the bus topology as AMQP_URI's account (what `regionctl topology` does):
# service users may not declare the shared exchanges, and the services wait until they exist. The
# topology, the users and each service's URI come from one process, `python -m services.broker_access
# prepare` (an interpreter start per step had been the better part of a second of the cold start).
# The services are started before it, import meanwhile, and wait for their URI (start_all).
#
# Monitoring: with WITH_MONITORING=1 (the Makefile sets it unless PROMETHEUS=0), `up` and `run` also
# start Prometheus and Alertmanager (deploy/local/monitoring.sh, 127.0.0.1:PROMETHEUS_PORT 9090 and
# ALERTMANAGER_PORT 9093) and `down` stops them. Tests leave it unset: they run their own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${PLATFORM_STATE_DIR:-$ROOT/var/platform}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
PORT="${GATEWAY_PORT:-8000}"
HOST="${GATEWAY_HOST:-127.0.0.1}"
SERVICES=(investments budgets personnel gateway)
declare -A SERVICE_CLASS=([investments]=InvestmentsService [budgets]=BudgetsService
                          [personnel]=PersonnelService [gateway]=GatewayService)
WAIT_SECONDS="${PLATFORM_WAIT_SECONDS:-90}"
# Local development: the services accept the development secret and the loopback guest account
# only with PLATFORM_ENV=local (services/common/config.py); a deployment leaves it unset.
export PLATFORM_ENV="${PLATFORM_ENV:-local}"
declare -A METRICS_BASE=([gateway]="${GATEWAY_METRICS_PORT:-9100}"
                         [investments]="${INVESTMENTS_METRICS_PORT:-9101}"
                         [budgets]="${BUDGETS_METRICS_PORT:-9102}"
                         [personnel]="${PERSONNEL_METRICS_PORT:-9103}")

say() { echo "[platform] $*"; }
with_monitoring() { [[ "${WITH_MONITORING:-0}" == 1 ]]; }
monitoring() { with_monitoring || return 0; bash "$ROOT/deploy/local/monitoring.sh" "$@"; }

start_monitoring() {
  monitoring up && return 0
  say "Prometheus/Alertmanager did not start (see above); PROMETHEUS=0 runs the platform without them"
  return 1
}

# Where to look once the platform runs.
where() {
  say "console      http://$HOST:$PORT/console"
  say "API          http://$HOST:$PORT/api/v1  (health http://$HOST:$PORT/health)"
  if with_monitoring; then
    say "Prometheus   http://127.0.0.1:${PROMETHEUS_PORT:-9090}  (alerts http://127.0.0.1:${PROMETHEUS_PORT:-9090}/alerts)"
    say "Alertmanager http://127.0.0.1:${ALERTMANAGER_PORT:-9093}  notifications ${MONITORING_STATE_DIR:-$ROOT/var/monitoring}/alerts.jsonl"
  else
    say "Prometheus   off (PROMETHEUS=0)"
  fi
  say "logs         $STATE/log/  (one request: regionctl logs --correlation-id ID)"
}
mkdir -p "$STATE/run" "$STATE/log"

replicas_of() {  # replicas_of <service>: REPLICAS_<SERVICE>, else REPLICAS, else 1
  local var="REPLICAS_${1^^}" n
  n="${!var:-${REPLICAS:-1}}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "[platform] $var/REPLICAS must be a whole number >= 1, not '$n'" >&2; exit 2; }
  echo "$n"
}

instance() { if (( $2 == 1 )); then echo "$1"; else echo "$1-$2"; fi; }  # <service> <replica>

# Every instance this platform should run, "service replica" per line.
wanted() {
  local svc r
  for svc in "${SERVICES[@]}"; do
    for (( r = 1; r <= $(replicas_of "$svc"); r++ )); do echo "$svc $r"; done
  done
}

# Every instance with a pid file (a previous `up` may have run more replicas), "service replica".
recorded() {
  local f name svc r
  for f in "$STATE"/run/*.pid; do
    [[ -e "$f" ]] || continue
    name="$(basename "$f" .pid)"
    svc="${name%%-*}"; r="${name#"$svc"}"; r="${r#-}"
    [[ -n "${SERVICE_CLASS[$svc]:-}" ]] || continue
    echo "$svc ${r:-1}"
  done
}

alive() {  # alive <instance>: its recorded pid runs a nameko process (services.nameko_runner)
  local pidfile="$STATE/run/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q nameko "/proc/$pid/cmdline" 2>/dev/null
}

declare -A SERVICE_URI=()
# The topology as AMQP_URI's account (the administrator), then the platform's broker users on its
# vhost (unless PLATFORM_BROKER_USERS=0), then each service's AMQP_URI (its own user): one Python
# process for the three steps (`python -m services.broker_access prepare`).
prepare_bus() {
  local flags=() line svc uri
  [[ "${PLATFORM_BROKER_USERS:-1}" == 1 ]] || flags+=(--no-users)
  local out
  out="$(cd "$ROOT" && "$PY" -m services.broker_access prepare --wait 30 "${flags[@]}")" || return 1
  while IFS= read -r line; do
    if [[ "$line" == "#"* ]]; then say "${line#\# }"; continue; fi
    read -r svc uri <<<"$line"
    SERVICE_URI[$svc]="$uri"
  done <<<"$out"
}

STARTED=()  # "service replica" of each instance this run started, awaiting its broker URI
start_one() {  # <service> <replica>
  local svc="$1" r="${2:-1}" name
  name="$(instance "$svc" "$r")"
  if alive "$name"; then say "$name already running (pid $(cat "$STATE/run/$name.pid"))"; return; fi
  rm -f "$STATE/run/$name.pid" "$STATE/run/$name.uri" "$STATE/run/$name.ready"  # stale: a killed run
  cd "$ROOT"
  # services.nameko_runner is `nameko run` without its start-up costs; it imports the service while
  # prepare_bus runs, then takes the service's own AMQP_URI from $name.uri (hand_uris). The
  # administrator's AMQP_URI is not passed on.
  AMQP_URI="" PLATFORM_REPLICA="$r" setsid "$PY" -m services.nameko_runner \
    --uri-from "$STATE/run/$name.uri" --uri-wait "$WAIT_SECONDS" \
    --ready-file "$STATE/run/$name.ready" \
    --config "$ROOT/deploy/nameko.yaml" "services.$svc.service:${SERVICE_CLASS[$svc]}" \
    >>"$STATE/log/$name.log" 2>&1 < /dev/null &
  echo $! > "$STATE/run/$name.pid"
  STARTED+=("$svc $r")
  say "started $name (pid $!, log $STATE/log/$name.log)"
}

hand_uris() {  # each instance started by this run gets its service's URI, owner-only, whole
  local item svc r name file
  for item in "${STARTED[@]}"; do
    read -r svc r <<<"$item"
    name="$(instance "$svc" "$r")"
    file="$STATE/run/$name.uri"
    (umask 077 && printf '%s\n' "${SERVICE_URI[$svc]:?no AMQP_URI prepared for $svc}" > "$file.tmp")
    mv -f "$file.tmp" "$file"
  done
}

# The platform's bytecode, written once before the services start: otherwise each of them compiles
# every module it imports at each start (a fresh clone; an edited module; always where
# PYTHONDONTWRITEBYTECODE is set), about half a second of CPU per process. Only changed modules
# are compiled, so a warm `up` spends a few hundredths of a second here; it never stops a start.
compile_bytecode() { "$PY" -m compileall -q "$ROOT/services" >/dev/null 2>&1 || true; }

start_all() {
  local svc r name item names=()
  compile_bytecode
  # The services start first: their imports (most of a start's CPU) overlap the broker's
  # preparation, and each waits for its URI before it connects to anything.
  while read -r svc r; do start_one "$svc" "$r"; done < <(wanted)
  if ! prepare_bus; then
    for item in "${STARTED[@]}"; do read -r svc r <<<"$item"; names+=("$(instance "$svc" "$r")"); done
    say "the broker could not be prepared (see above); stopping what this run started"
    (( ${#names[@]} == 0 )) || stop_instances "${names[@]}"
    return 1
  fi
  hand_uris
  # replicas beyond the count (a previous, larger REPLICAS) are stopped
  while read -r svc r; do
    (( r > $(replicas_of "$svc") )) || continue
    name="$(instance "$svc" "$r")"
    stop_instances "$name"
  done < <(recorded)
  write_targets
}

# Prometheus file_sd targets: one entry per running instance that serves metrics.
write_targets() {
  local svc r port first=1 tmp="$STATE/prometheus-targets.json.tmp"
  {
    printf '['
    while read -r svc r; do
      port="${METRICS_BASE[$svc]}"
      (( port > 0 )) || continue
      (( first )) || printf ','
      first=0
      printf '\n  {"targets": ["127.0.0.1:%s"], "labels": {"service": "%s", "replica": "%s"}}' \
        "$((port + 100 * (r - 1)))" "$svc" "$r"
    done < <(wanted)
    printf '\n]\n'
  } > "$tmp"
  mv -f "$tmp" "$STATE/prometheus-targets.json"
}

health() { curl -s -o "$STATE/health.json" -w '%{http_code}' "http://$HOST:$PORT/health" 2>/dev/null || true; }

unstarted() {  # the instances this run started that have not written their ready file yet
  local item svc r name
  for item in "${STARTED[@]}"; do
    read -r svc r <<<"$item"; name="$(instance "$svc" "$r")"
    [[ -f "$STATE/run/$name.ready" ]] || echo "$name"
  done
}

# Healthy: /health answers 200 and every instance this run started serves. Gateway replicas share
# the HTTP port, so the first to listen answers /health while another may still be starting (its
# store not ready yet); `up` returns once each has written its ready file.
wait_healthy() {
  local deadline=$((SECONDS + WAIT_SECONDS)) code polls=0
  while (( SECONDS < deadline )); do
    code="$(health)"
    [[ "$code" == 200 ]] && [[ -z "$(unstarted)" ]] && { say "healthy: http://$HOST:$PORT/health"; return 0; }
    # the processes are looked at once a second: that look forks a score of subshells, which
    # every 0.1 s would take CPU from the services starting on the same cores
    (( polls++ % 10 == 0 )) || { sleep 0.1; continue; }
    local svc r name
    while read -r svc r; do
      name="$(instance "$svc" "$r")"
      if ! alive "$name"; then
        say "$name exited during start; last lines of its log:"; tail -n 40 "$STATE/log/$name.log" >&2
        return 1
      fi
    done < <(wanted)
    sleep 0.1  # the bench's cold start is measured to this answer: a 1 s poll added 0.5 s on average
  done
  say "not healthy after ${WAIT_SECONDS}s; /health said: $(cat "$STATE/health.json" 2>/dev/null)"
  for name in $(unstarted); do say "$name has not finished starting"; done
  while read -r svc r; do
    name="$(instance "$svc" "$r")"
    echo "----- $name (last 20 lines)" >&2; tail -n 20 "$STATE/log/$name.log" >&2 || true
  done < <(wanted)
  return 1
}

stop_instances() {  # <instance>...: TERM, then KILL after 10 s; their pid files go
  local pids=() name pid
  for name in "$@"; do
    if alive "$name"; then pid="$(cat "$STATE/run/$name.pid")"; kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  for _ in $(seq 1 40); do
    local any=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && any=1; done
    (( any == 0 )) && break; sleep 0.25
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for name in "$@"; do rm -f "$STATE/run/$name.pid" "$STATE/run/$name.uri" "$STATE/run/$name.ready"; [[ -z "$name" ]] || say "stopped $name"; done
}

stop_all() {
  local svc r names=()
  while read -r svc r; do names+=("$(instance "$svc" "$r")"); done < <(recorded)
  stop_instances "${names[@]}"
  say "stopped"
}

case "${1:-}" in
  up)
    start_all
    wait_healthy
    start_monitoring
    where ;;
  down)
    stop_all
    monitoring down ;;
  status)
    rc=0
    while read -r svc r; do
      name="$(instance "$svc" "$r")"
      if alive "$name"; then say "$name up (pid $(cat "$STATE/run/$name.pid"))"; else say "$name down"; rc=1; fi
    done < <(wanted)
    code="$(health)"; say "/health: $code"; [[ "$code" == 200 ]] || rc=1; exit $rc ;;
  run)
    start_all
    tail_pid=""
    # the log follower goes too (a TERM reaches this script only, not its children)
    trap 'echo; [[ -z "$tail_pid" ]] || kill "$tail_pid" 2>/dev/null; stop_all; monitoring down; exit 0' INT TERM
    wait_healthy || { stop_all; exit 1; }
    start_monitoring || { stop_all; monitoring down; exit 1; }
    where
    say "platform running; Ctrl-C stops it"
    tail -n 0 -F "$STATE"/log/*.log &
    tail_pid=$!
    wait "$tail_pid" ;;
  *) echo "usage: $0 up|down|status|run" >&2; exit 2 ;;
esac
