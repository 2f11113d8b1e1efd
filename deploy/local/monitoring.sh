#!/usr/bin/env bash
# Prometheus and Alertmanager (Debian's packages) watching the local platform, on loopback only.
#   monitoring.sh install install Debian's prometheus and prometheus-alertmanager when missing
#   monitoring.sh up      install when missing, start what is not running, wait until both answer
#   monitoring.sh down    stop them (TERM, then KILL after a grace period)
#   monitoring.sh status  up/down of each, exit 0 only when both answer
#   monitoring.sh reload  re-read the configuration and rules without a restart
#
# Prometheus scrapes every service replica listed in $PLATFORM_STATE_DIR/prometheus-targets.json
# (written by platform.sh; file_sd, so replicas appear and vanish without a restart), the broker's
# rabbitmq_prometheus plugin (/metrics and /metrics/per-object for per-queue depth), and FerretDB's
# debug listener. It loads deploy/prometheus/alerts.yml and sends alerts to Alertmanager, whose one
# receiver is deploy/local/alert_receiver.py: every notification becomes a JSON line in
# $MONITORING_STATE_DIR/alerts.jsonl, so a firing alert is visible without a mail server.
#
# Environment (all optional):
#   PROMETHEUS_PORT (9090), ALERTMANAGER_PORT (9093), ALERT_RECEIVER_PORT (9095)
#   MONITORING_STATE_DIR (<root>/var/monitoring): configs, TSDB, pid files, logs, alerts.jsonl
#   PLATFORM_STATE_DIR (<root>/var/platform): where prometheus-targets.json is read
#   PROMETHEUS_RULES      rule files, colon-separated (deploy/prometheus/alerts.yml)
#   PROMETHEUS_SCRAPE_INTERVAL (15s), PROMETHEUS_EVALUATION_INTERVAL (15s)
#   ALERTMANAGER_GROUP_WAIT (10s), ALERTMANAGER_GROUP_INTERVAL (1m), ALERTMANAGER_REPEAT_INTERVAL (4h)
#   BROKER_METRICS_ADDR (127.0.0.1:15692, "-" scrapes no broker), FERRETDB_METRICS_ADDR
#   (127.0.0.1:8089, "-" scrapes none)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${MONITORING_STATE_DIR:-$ROOT/var/monitoring}"
PLATFORM_STATE="${PLATFORM_STATE_DIR:-$ROOT/var/platform}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PY" ]] || PY=python3
HOST=127.0.0.1
PROM_PORT="${PROMETHEUS_PORT:-9090}"
AM_PORT="${ALERTMANAGER_PORT:-9093}"
RECEIVER_PORT="${ALERT_RECEIVER_PORT:-9095}"
RULES="${PROMETHEUS_RULES:-$ROOT/deploy/prometheus/alerts.yml}"
SCRAPE="${PROMETHEUS_SCRAPE_INTERVAL:-15s}"
EVALUATION="${PROMETHEUS_EVALUATION_INTERVAL:-15s}"
BROKER_ADDR="${BROKER_METRICS_ADDR:-127.0.0.1:15692}"
FERRETDB_ADDR="${FERRETDB_METRICS_ADDR:-127.0.0.1:8089}"
WAIT_SECONDS="${MONITORING_WAIT_SECONDS:-60}"
COMPONENTS=(receiver alertmanager prometheus)

say() { echo "[monitoring] $*"; }
die() { echo "[monitoring] error: $*" >&2; exit 1; }
mkdir -p "$STATE/run" "$STATE/log" "$STATE/prometheus-data" "$STATE/alertmanager-data" "$PLATFORM_STATE"

ensure_installed() {
  command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null \
    && command -v promtool >/dev/null && return 0
  command -v apt-get >/dev/null || die "prometheus / prometheus-alertmanager are missing and this is not a Debian/Ubuntu system: install them, or run with PROMETHEUS=0"
  local sudo=() pkg
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "prometheus and prometheus-alertmanager are missing; install them as root (apt-get install prometheus prometheus-alertmanager), or run with PROMETHEUS=0"
    sudo=(sudo -n)
  fi
  mkdir -p "$STATE/log"
  say "installing Debian's prometheus and prometheus-alertmanager (one time; log $STATE/log/apt-get.log)"
  # A brand-new machine has empty package lists: refresh them once, only when apt cannot see a
  # package at all.
  for pkg in prometheus prometheus-alertmanager; do
    if ! apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      "${sudo[@]}" apt-get update -q >>"$STATE/log/apt-get.log" 2>&1 \
        || { tail -n 20 "$STATE/log/apt-get.log" >&2; die "apt-get update failed"; }
      break
    fi
  done
  # --no-install-recommends: no node exporter. The package's own system service is not ours (and
  # without systemd it does not start); if something holds 127.0.0.1:9090, choose another
  # PROMETHEUS_PORT.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      prometheus prometheus-alertmanager >>"$STATE/log/apt-get.log" 2>&1 \
    || { tail -n 20 "$STATE/log/apt-get.log" >&2; die "apt-get install prometheus prometheus-alertmanager failed"; }
  command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null \
    || die "apt-get installed the packages but prometheus / prometheus-alertmanager are not on PATH"
}

alive() {  # alive <component>: its recorded pid runs that program with our state folder
  local pidfile="$STATE/run/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE"
}

marker_of() {  # marker_of <component>: a piece of its command line no other process has
  case "$1" in
    receiver) echo "--out $STATE/alerts.jsonl" ;;
    *) echo "--config.file=$STATE/$1.yml" ;;
  esac
}

adopt() {  # adopt <component>: a process of ours whose pid file was lost (a killed `up`) is kept
  local marker f pid cmd args
  marker="$(marker_of "$1")"
  for f in /proc/[0-9]*/cmdline; do
    { mapfile -d '' -t args <"$f"; } 2>/dev/null || continue  # no fork per process
    cmd="${args[*]}"
    [[ "$cmd" == *"$marker"* ]] || continue
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    echo "$pid" >"$STATE/run/$1.pid"
    say "$1 already running (pid $pid, its pid file was lost)"
    return 0
  done
  return 1
}

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

answers() { curl -fs -m 2 -o /dev/null "$1"; }

write_configs() {
  local rule_lines="" file
  IFS=':' read -ra files <<<"$RULES"
  for file in "${files[@]}"; do rule_lines+="  - $(realpath "$file")"$'\n'; done
  {
    cat <<EOF
# Written by deploy/local/monitoring.sh on every \`up\`: change the script, not this file.
global:
  scrape_interval: $SCRAPE
  evaluation_interval: $EVALUATION

rule_files:
${rule_lines}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["$HOST:$AM_PORT"]

scrape_configs:
  # Every replica of the four services; platform.sh keeps the file current. The services label
  # their own series with \`service\`; the file's labels (service, replica) fill in the rest.
  - job_name: platform
    honor_labels: true
    file_sd_configs:
      - files: ["$PLATFORM_STATE/prometheus-targets.json"]
        refresh_interval: $SCRAPE
EOF
    if [[ "$BROKER_ADDR" != "-" ]]; then cat <<EOF
  # RabbitMQ's rabbitmq_prometheus plugin (enabled by deploy/local/infra.sh).
  - job_name: rabbitmq
    static_configs:
      - targets: ["$BROKER_ADDR"]
  # Per-queue series (messages ready/unacked, consumers) without turning on per-object metrics
  # for the aggregated endpoint.
  - job_name: rabbitmq-queues
    metrics_path: /metrics/per-object
    static_configs:
      - targets: ["$BROKER_ADDR"]
EOF
    fi
    if [[ "$FERRETDB_ADDR" != "-" ]]; then cat <<EOF
  - job_name: ferretdb
    metrics_path: /debug/metrics
    static_configs:
      - targets: ["$FERRETDB_ADDR"]
EOF
    fi
  } >"$STATE/prometheus.yml"

  cat >"$STATE/alertmanager.yml" <<EOF
# Written by deploy/local/monitoring.sh on every \`up\`: change the script, not this file.
route:
  receiver: local-file
  group_by: [alertname, service]
  group_wait: ${ALERTMANAGER_GROUP_WAIT:-10s}
  group_interval: ${ALERTMANAGER_GROUP_INTERVAL:-1m}
  repeat_interval: ${ALERTMANAGER_REPEAT_INTERVAL:-4h}
receivers:
  - name: local-file
    webhook_configs:
      - url: http://$HOST:$RECEIVER_PORT/alerts
        send_resolved: true
EOF
  [[ -f "$PLATFORM_STATE/prometheus-targets.json" ]] || echo '[]' >"$PLATFORM_STATE/prometheus-targets.json"
  promtool check config "$STATE/prometheus.yml" >"$STATE/log/promtool.log" 2>&1 \
    || { cat "$STATE/log/promtool.log" >&2; die "the generated Prometheus configuration does not check"; }
}

start_one() {  # start_one <component> <port> <url that answers when ready> command...
  local name="$1" port="$2"; shift 2
  if alive "$name"; then say "$name already running (pid $(cat "$STATE/run/$name.pid"))"; return; fi
  rm -f "$STATE/run/$name.pid"  # stale pid from a killed run
  adopt "$name" && return
  port_free "$port" || die "port $HOST:$port is taken by another program: stop it or choose another port (PROMETHEUS_PORT, ALERTMANAGER_PORT, ALERT_RECEIVER_PORT)"
  setsid "$@" >>"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/run/$name.pid"
  say "started $name (pid $!, $HOST:$port, log $STATE/log/$name.log)"
}

wait_ready() {  # wait_ready <component> <url>
  local deadline=$((SECONDS + WAIT_SECONDS))
  while (( SECONDS < deadline )); do
    answers "$2" && return 0
    alive "$1" || { say "$1 exited during start; last lines of its log:"; tail -n 30 "$STATE/log/$1.log" >&2; return 1; }
    sleep 0.3
  done
  say "$1 did not answer $2 within ${WAIT_SECONDS}s"; tail -n 30 "$STATE/log/$1.log" >&2; return 1
}

up() {
  ensure_installed
  write_configs
  start_one receiver "$RECEIVER_PORT" "$PY" "$ROOT/deploy/local/alert_receiver.py" \
    --host "$HOST" --port "$RECEIVER_PORT" --out "$STATE/alerts.jsonl"
  start_one alertmanager "$AM_PORT" prometheus-alertmanager \
    --config.file="$STATE/alertmanager.yml" --storage.path="$STATE/alertmanager-data" \
    --web.listen-address="$HOST:$AM_PORT" --cluster.listen-address= \
    --web.external-url="http://$HOST:$AM_PORT/"
  start_one prometheus "$PROM_PORT" prometheus \
    --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/prometheus-data" \
    --storage.tsdb.retention.time=7d --web.listen-address="$HOST:$PROM_PORT" \
    --web.enable-lifecycle --web.external-url="http://$HOST:$PROM_PORT/"
  wait_ready receiver "http://$HOST:$RECEIVER_PORT/health"
  wait_ready alertmanager "http://$HOST:$AM_PORT/-/ready"
  wait_ready prometheus "http://$HOST:$PROM_PORT/-/ready"
  # Already running: pick up a changed configuration or rule file.
  curl -fs -m 5 -X POST -o /dev/null "http://$HOST:$PROM_PORT/-/reload" || true
  curl -fs -m 5 -X POST -o /dev/null "http://$HOST:$AM_PORT/-/reload" || true
  say "Prometheus http://$HOST:$PROM_PORT  Alertmanager http://$HOST:$AM_PORT  notifications $STATE/alerts.jsonl"
}

down() {
  local pids=() name pid
  for name in "${COMPONENTS[@]}"; do
    alive "$name" || adopt "$name" >/dev/null || true
    if alive "$name"; then pid="$(cat "$STATE/run/$name.pid")"; kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  for _ in $(seq 1 40); do
    local any=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && any=1; done
    (( any == 0 )) && break; sleep 0.25
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$STATE"/run/*.pid
  say "stopped"
}

status() {
  local rc=0 name
  for name in "${COMPONENTS[@]}"; do
    if alive "$name"; then say "$name up (pid $(cat "$STATE/run/$name.pid"))"; else say "$name down"; rc=1; fi
  done
  answers "http://$HOST:$PROM_PORT/-/ready" && say "Prometheus http://$HOST:$PROM_PORT ready" || rc=1
  answers "http://$HOST:$AM_PORT/-/ready" && say "Alertmanager http://$HOST:$AM_PORT ready" || rc=1
  return $rc
}

case "${1:-}" in
  install) ensure_installed ;;
  up) up ;;
  down) down ;;
  status) status ;;
  reload) write_configs; curl -fs -m 5 -X POST "http://$HOST:$PROM_PORT/-/reload" && say "reloaded" ;;
  *) echo "usage: $0 install|up|down|status|reload" >&2; exit 2 ;;
esac
