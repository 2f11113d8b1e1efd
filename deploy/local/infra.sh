#!/usr/bin/env bash
# Local infrastructure for the platform without Docker or systemd: RabbitMQ with the management
# plugin, and FerretDB (MongoDB wire protocol) on a project-local PostgreSQL cluster (or SQLite). Everything listens on 127.0.0.1;
# all state lives under <project root>/var/.
#
# usage: deploy/local/infra.sh up | down | status | env | build-ferretdb | rabbitmqctl ARGS...
#
#   up              start what is missing and wait until it answers (idempotent; recovers from a
#                   killed previous run: stale pid files, leftover processes)
#   down            stop what this script started; already stopped is fine
#   status          up/down of each component; exit 0 only when both answer
#   env             `export` lines for AMQP_URI, MONGO_URI, RABBIT_API_URI
#                   (use: eval "$(deploy/local/infra.sh env)")
#   build-ferretdb  build var/bin/ferretdb now (`up` does it when no working binary exists)
#   postgresql-up / postgresql-down   only the PostgreSQL cluster (the fault suite starts its own
#                   cluster on other ports this way, with INFRA_PG_PORT and INFRA_PG_DIR)
#   rabbitmqctl     run rabbitmqctl against the local node, e.g. `infra.sh rabbitmqctl list_queues`
#
# Environment (all optional):
#   AMQP_URI, MONGO_URI, RABBIT_API_URI  servers that already run elsewhere: `up` starts nothing for
#                       a component whose URI answers, `env` and `status` report them
#   PYTHON              interpreter for the health probes (default <root>/.venv/bin/python, else python3)
#   FERRETDB_BIN        a FerretDB 1.x binary to use instead of finding or building one
#   INFRA_AMQP_PORT (5672), INFRA_MGMT_PORT (15672), INFRA_MONGO_PORT (27017),
#   INFRA_RABBITMQ_PROMETHEUS_PORT (15692, the broker's rabbitmq_prometheus listener),
#   INFRA_FERRETDB_DEBUG_ADDR (127.0.0.1:8089, "-" disables FerretDB's metrics/debug listener)
#   STORE_BACKEND       FerretDB's backend: postgresql (default; a project-local PostgreSQL 15
#                       cluster with the guard of deploy/local/store_guard.sql) or sqlite
#   INFRA_PG_PORT (5433), INFRA_PG_DIR (<root>/var/postgresql), INFRA_PG_BIN (/usr/lib/postgresql/15/bin)
#   INFRA_WAIT_SECONDS  bound on each readiness wait (default 90)
#   INFRA_VAR_DIR       the state folder (default <root>/var; the fault suite runs a second stack
#                       in its own folder this way)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
VAR=${INFRA_VAR_DIR:-$ROOT/var}
RUN_DIR=$VAR/run
LOG_DIR=$VAR/log
BIN_DIR=$VAR/bin

HOST=127.0.0.1
AMQP_PORT=${INFRA_AMQP_PORT:-5672}
MGMT_PORT=${INFRA_MGMT_PORT:-15672}
RMQ_PROMETHEUS_PORT=${INFRA_RABBITMQ_PROMETHEUS_PORT:-15692}
MONGO_PORT=${INFRA_MONGO_PORT:-27017}
FERRETDB_DEBUG_ADDR=${INFRA_FERRETDB_DEBUG_ADDR:-127.0.0.1:8089}
WAIT_SECONDS=${INFRA_WAIT_SECONDS:-90}
# A process of ours that exists but does not answer gets this long before it is replaced: it may be
# booting on behalf of a concurrent `up`.
LEFTOVER_GRACE_SECONDS=20

LOCAL_AMQP_URI="amqp://guest:guest@$HOST:$AMQP_PORT/"
LOCAL_MONGO_URI="mongodb://$HOST:$MONGO_PORT/"
LOCAL_RABBIT_API_URI="http://guest:guest@$HOST:$MGMT_PORT"

# The node name does not depend on the machine's hostname, so the state in var/ survives a rename
# (RabbitMQ keys its data directory by node name). A second stack on other ports (another checkout)
# needs a name of its own: epmd allows one node per name and host.
if [[ $AMQP_PORT == 5672 ]]; then
    RMQ_NODE=rabbit@localhost
else
    RMQ_NODE=rabbit$AMQP_PORT@localhost
fi
# The Erlang distribution port, bound to loopback like everything else.
RMQ_DIST_PORT=$((AMQP_PORT + 20000))

FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.2
FERRETDB_DATA_DIR=$VAR/ferretdb
FERRETDB_STATE_DIR=$VAR/ferretdb-state
FERRETDB_PID_FILE=$RUN_DIR/ferretdb.pid
FERRETDB_LOG=$LOG_DIR/ferretdb.log
FERRETDB_BUILD_LOG=$LOG_DIR/ferretdb-build.log

# The store's backend: FerretDB on a project-local PostgreSQL cluster (default), or on SQLite files.
STORE_BACKEND=${STORE_BACKEND:-postgresql}
PG_MAJOR=15
PG_BIN=${INFRA_PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
PG_PORT=${INFRA_PG_PORT:-5433}
PG_DATABASE=ferretdb
LOG_ROTATE_BYTES=$((10 * 1024 * 1024))

say() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }
# URIs are printed without their password.
masked() { sed -E 's#(//[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

tail_log() {  # file, lines
    [[ -s $1 ]] || return 0
    printf '[infra] ---- last %s lines of %s ----\n' "$2" "$1" >&2
    tail -n "$2" "$1" >&2 || true
    printf '[infra] ----\n' >&2
}

ensure_dirs() {
    mkdir -p "$VAR" "$RUN_DIR" "$LOG_DIR" "$BIN_DIR"
}

# Only one `up`/`down` at a time: a second one waits for the first.
take_lock() {
    ensure_dirs
    exec 9>"$RUN_DIR/infra.lock"
    if command -v flock >/dev/null 2>&1; then
        flock -w 300 9 || die "another infra.sh up/down has held $RUN_DIR/infra.lock for 5 minutes"
    fi
}

# ---------------------------------------------------------------------------------------------------
# Health probes (deploy/local/probe.py speaks AMQP, the MongoDB wire protocol and HTTP)

pick_python() {
    if [[ -n ${PYTHON:-} ]]; then
        PY=$PYTHON
    elif [[ -x $ROOT/.venv/bin/python ]]; then
        PY=$ROOT/.venv/bin/python
    elif command -v python3 >/dev/null 2>&1; then
        PY=python3
    else
        die "python3 is needed for the health probes: install it (apt-get install python3) or set PYTHON"
    fi
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 6))' 2>/dev/null \
        || die "PYTHON=$PY does not run Python 3.6 or newer"
}

probe() {  # kind target [timeout]: quiet, exit status only
    "$PY" "$SCRIPT_DIR/probe.py" "$1" "$2" "${3:-2}" 2>/dev/null
}

probe_reason() {  # kind target: why the probe fails, one line
    "$PY" "$SCRIPT_DIR/probe.py" "$1" "$2" 2 2>&1 >/dev/null | tail -n 1 || true
}

port_open() {  # port on 127.0.0.1 accepts TCP connections
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

port_owner() {  # best-effort description of who listens on a port
    if command -v ss >/dev/null 2>&1; then
        ss -Hltnp "sport = :$1" 2>/dev/null | sed -E 's/.*users:\(\((.*)\)\)/\1/' | head -n 1
    fi
}

# Whether a URI names this machine on the given port (then `up` may start the local server for it).
is_local_uri() {  # uri default_port
    local hostport host port
    hostport=$(sed -E 's#^[a-z+]+://##; s#^[^@/]*@##; s#[/?].*$##; s#,.*$##' <<<"$1")
    host=${hostport%:*}
    port=${hostport##*:}
    [[ $hostport == *:* ]] || port=$2
    [[ $host == 127.0.0.1 || $host == localhost ]] && [[ $port == "$2" ]]
}

# ---------------------------------------------------------------------------------------------------
# Process helpers

# A zombie counts as dead: a killed daemon stays one until init reaps it, which can take a while.
pid_alive() {
    local stat
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

read_pid_file() {
    if [[ -s $1 ]]; then tr -dc '0-9' <"$1"; fi
}

stop_pid() {  # pid name grace_seconds: TERM, then KILL after the grace period
    local pid=$1 name=$2 grace=$3 deadline
    pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true  # a stopped (hung) process acts on SIGTERM only when resumed
    deadline=$((SECONDS + grace))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.5; done
    if pid_alive "$pid"; then
        warn "$name (pid $pid) ignored SIGTERM for ${grace}s: sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 10))
        while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.5; done
    fi
    ! pid_alive "$pid" || die "$name (pid $pid) survived SIGKILL"
}

rotate_log() {  # keep one previous generation of logs over 10 MB
    if [[ -f $1 ]] && (($(stat -c %s "$1") > LOG_ROTATE_BYTES)); then
        mv -f "$1" "$1.1"
    fi
}

# ---------------------------------------------------------------------------------------------------
# RabbitMQ

find_rabbitmq_bin() {
    local server
    if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
        RMQ_BIN=/usr/lib/rabbitmq/bin
    elif server=$(command -v rabbitmq-server 2>/dev/null); then
        RMQ_BIN=$(dirname "$(readlink -f "$server")")
    else
        return 1
    fi
}

ensure_rabbitmq_installed() {
    find_rabbitmq_bin && return 0
    local apt_log=$LOG_DIR/apt-rabbitmq-server.log
    is_root || die "rabbitmq-server is not installed: run as root once (apt-get install rabbitmq-server), or set AMQP_URI to a running broker"
    command -v apt-get >/dev/null 2>&1 \
        || die "rabbitmq-server is not installed and this is not a Debian/Ubuntu system: install RabbitMQ 3.x with the management plugin, or set AMQP_URI to a running broker"
    say "rabbitmq-server is not installed: installing it with apt-get (one time; log $apt_log)"
    if ! apt-get update >"$apt_log" 2>&1; then
        tail_log "$apt_log" 20
        die "apt-get update failed (network or apt sources?): cannot install rabbitmq-server"
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y rabbitmq-server >>"$apt_log" 2>&1; then
        tail_log "$apt_log" 20
        die "apt-get install rabbitmq-server failed: install it by hand, or set AMQP_URI to a running broker"
    fi
    find_rabbitmq_bin || die "rabbitmq-server was installed but its scripts are not in /usr/lib/rabbitmq/bin nor on PATH"
    say "installed $(dpkg-query -W -f='rabbitmq-server ${Version}' rabbitmq-server 2>/dev/null || echo rabbitmq-server)"
}

# Where the node keeps its state, which user runs it, and the environment every RabbitMQ tool gets.
setup_rabbitmq() {
    ensure_rabbitmq_installed
    RMQ_BASE=$VAR/rabbitmq
    if is_root; then
        id rabbitmq >/dev/null 2>&1 || die "user 'rabbitmq' is missing: reinstall the rabbitmq-server package"
        RMQ_USER=rabbitmq
        RMQ_HOME=$(getent passwd rabbitmq | cut -d: -f6)
        mkdir -p "$RMQ_BASE"
        chown rabbitmq:rabbitmq "$RMQ_BASE"
        if ! runuser -u rabbitmq -- test -w "$RMQ_BASE" 2>/dev/null; then
            # The project lives where the rabbitmq user cannot reach (e.g. under /root).
            RMQ_BASE=/var/lib/rabbitmq/local-infra-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
            mkdir -p "$RMQ_BASE"
            chown rabbitmq:rabbitmq "$RMQ_BASE"
            say "the rabbitmq user cannot write under $VAR: keeping RabbitMQ state in $RMQ_BASE"
        fi
    else
        RMQ_USER=$(id -un)
        RMQ_HOME=$VAR/rabbitmq  # the Erlang cookie of a node run by a normal user lives here
        mkdir -p "$RMQ_BASE"
    fi
    RMQ_PID_FILE=$RMQ_BASE/rabbitmq.pid
    RMQ_NODE_LOG=$RMQ_BASE/log/$RMQ_NODE.log
    RMQ_STARTUP_LOG=$LOG_DIR/rabbitmq-startup.log
    RMQ_ENV=(
        "HOME=$RMQ_HOME"
        "LC_ALL=C.UTF-8"
        "RABBITMQ_NODENAME=$RMQ_NODE"
        # Our own (empty) env file and config paths: the machine's /etc/rabbitmq does not apply.
        "RABBITMQ_CONF_ENV_FILE=$RMQ_BASE/rabbitmq-env.conf"
        "RABBITMQ_CONFIG_FILE=$RMQ_BASE/rabbitmq.conf"
        "RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ_BASE/advanced.config"
        "RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_BASE/enabled_plugins"
        "RABBITMQ_MNESIA_BASE=$RMQ_BASE/mnesia"
        "RABBITMQ_LOG_BASE=$RMQ_BASE/log"
        "RABBITMQ_PID_FILE=$RMQ_PID_FILE"
        "RABBITMQ_DIST_PORT=$RMQ_DIST_PORT"
        "ERL_EPMD_ADDRESS=$HOST"
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"
    )
}

# The lock descriptor (9) is closed for every child: the Erlang VM and epmd outlive this script and
# would otherwise hold the lock for as long as they run.
rmq() {  # tool args...: run a RabbitMQ script as the node's user with the node's environment
    rmq_within 0 "$@"
}

rmq_within() {  # seconds (0: unbounded) tool args...
    local seconds=$1 tool=$2
    shift 2
    local -a argv=(env "${RMQ_ENV[@]}" "$RMQ_BIN/$tool" "$@")
    if is_root; then
        argv=(runuser -u "$RMQ_USER" -- "${argv[@]}")
    fi
    if ((seconds > 0)); then
        argv=(timeout "$seconds" "${argv[@]}")
    fi
    (cd "$RMQ_BASE" && "${argv[@]}" 9>&-)
}

write_rabbitmq_config() {
    cat >"$RMQ_BASE/rabbitmq-env.conf" <<'EOF'
# Written by deploy/local/infra.sh: intentionally empty, so /etc/rabbitmq/rabbitmq-env.conf does not apply.
EOF
    cat >"$RMQ_BASE/rabbitmq.conf" <<EOF
# Written by deploy/local/infra.sh on every \`up\`: change the script, not this file.
listeners.tcp.1 = $HOST:$AMQP_PORT
management.tcp.ip = $HOST
management.tcp.port = $MGMT_PORT
# guest/guest may only connect from loopback, which is all this node listens on.
loopback_users.guest = true
log.file.level = info
# rabbitmq_prometheus: /metrics (aggregated) and /metrics/per-object (per queue, e.g. consumer lag)
prometheus.tcp.ip = $HOST
prometheus.tcp.port = $RMQ_PROMETHEUS_PORT
EOF
    if is_root; then
        chown -R rabbitmq:rabbitmq "$RMQ_BASE"
    fi
    if ! grep -qs rabbitmq_management "$RMQ_BASE/enabled_plugins" || ! grep -qs rabbitmq_prometheus "$RMQ_BASE/enabled_plugins"; then
        say "enabling the RabbitMQ management and prometheus plugins (offline, one time)"
        rmq_within 60 rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >"$LOG_DIR/rabbitmq-plugins.log" 2>&1 \
            || { tail_log "$LOG_DIR/rabbitmq-plugins.log" 20; die "rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus failed"; }
    fi
}

# The beam.smp process of our node, if any: from the pid file, else by the pid file path in its
# environment (the pid file is written a little after the VM starts, and a killed run leaves none).
rabbitmq_pid() {
    local pid
    for pid in $(read_pid_file "$RMQ_PID_FILE") $(pgrep -x beam.smp 2>/dev/null || true); do
        if is_our_beam "$pid"; then
            echo "$pid"
            return 0
        fi
    done
    return 0
}

is_our_beam() {  # pid
    local environ
    pid_alive "$1" && [[ $(cat "/proc/$1/comm" 2>/dev/null) == beam.smp ]] || return 1
    environ=$(tr '\0' '\n' 2>/dev/null <"/proc/$1/environ") || return 1
    [[ $'\n'$environ$'\n' == *$'\n'"RABBITMQ_PID_FILE=$RMQ_PID_FILE"$'\n'* ]]
}

rabbitmq_answers() {  # amqp_uri api_uri ("" skips the management API)
    probe amqp "$1" && { [[ -z $2 ]] || probe http "${2%/}/api/overview"; }
}

# Wait until the local node answers on AMQP and on the management API; fail early if it dies.
wait_for_rabbitmq() {  # seconds
    local deadline=$((SECONDS + $1)) started=$SECONDS pid
    while ((SECONDS < deadline)); do
        if rabbitmq_answers "$LOCAL_AMQP_URI" "$LOCAL_RABBIT_API_URI"; then
            return 0
        fi
        pid=$(rabbitmq_pid)
        # The launcher hands over to the VM within a second or two; no VM after 15 s means it died.
        if [[ -z $pid ]] && ((SECONDS - started > 15)); then
            return 1
        fi
        sleep 1
    done
    return 1
}

rabbitmq_up() {
    if [[ -n ${AMQP_URI:-} ]] && ! is_local_uri "$AMQP_URI" "$AMQP_PORT"; then
        probe amqp "$AMQP_URI" \
            || die "AMQP_URI=$(masked "$AMQP_URI") does not answer ($(probe_reason amqp "$AMQP_URI")): start that broker, or unset AMQP_URI to use a local one"
        say "RabbitMQ: AMQP_URI=$(masked "$AMQP_URI") answers: using it, starting nothing"
        effective_uris
        if ! probe http "${EFF_RABBIT_API_URI%/}/api/overview"; then
            warn "its management API $(masked "$EFF_RABBIT_API_URI") does not answer (set RABBIT_API_URI?): the integration tests need it"
        fi
        return 0
    fi
    if rabbitmq_answers "$LOCAL_AMQP_URI" "$LOCAL_RABBIT_API_URI"; then
        say "RabbitMQ already answers on $HOST:$AMQP_PORT (management :$MGMT_PORT): starting nothing"
        return 0
    fi

    setup_rabbitmq
    local pid started=$SECONDS
    pid=$(rabbitmq_pid)
    if [[ -n $pid ]]; then
        say "RabbitMQ node $RMQ_NODE (pid $pid) exists but does not answer yet: giving it ${LEFTOVER_GRACE_SECONDS}s"
        if wait_for_rabbitmq "$LEFTOVER_GRACE_SECONDS"; then
            say "RabbitMQ up (node $RMQ_NODE, pid $pid)"
            return 0
        fi
        pid=$(rabbitmq_pid)
        if [[ -n $pid ]]; then
            say "stopping the unresponsive leftover node (pid $pid)"
            stop_pid "$pid" "RabbitMQ" 15
        fi
    fi

    # Whatever holds the ports now is not our node.
    if probe amqp "$LOCAL_AMQP_URI"; then
        die "a RabbitMQ broker this script did not start answers on $HOST:$AMQP_PORT ($(port_owner "$AMQP_PORT")) but its management API on :$MGMT_PORT does not: enable it there (rabbitmq-plugins enable rabbitmq_management) or stop that broker (e.g. service rabbitmq-server stop) and run 'up' again"
    fi
    local port
    for port in "$AMQP_PORT" "$MGMT_PORT" "$RMQ_DIST_PORT"; do
        if port_open "$port"; then
            die "port $HOST:$port is taken by another program ($(port_owner "$port")): stop it, or choose other ports with INFRA_AMQP_PORT / INFRA_MGMT_PORT"
        fi
    done

    rm -f "$RMQ_PID_FILE"
    write_rabbitmq_config
    rotate_log "$RMQ_STARTUP_LOG"
    say "starting RabbitMQ (node $RMQ_NODE, state $RMQ_BASE, AMQP $HOST:$AMQP_PORT, management :$MGMT_PORT)"
    printf '=== %s infra.sh up\n' "$(date -u +%FT%TZ)" >>"$RMQ_STARTUP_LOG"
    # -detached: the VM daemonizes, and no launcher process stays behind.
    rmq_within 60 rabbitmq-server -detached >>"$RMQ_STARTUP_LOG" 2>&1 \
        || { tail_log "$RMQ_STARTUP_LOG" 30; die "rabbitmq-server -detached failed"; }
    if ! wait_for_rabbitmq "$WAIT_SECONDS"; then
        tail_log "$RMQ_STARTUP_LOG" 20
        tail_log "$RMQ_NODE_LOG" 40
        die "RabbitMQ did not answer on AMQP $HOST:$AMQP_PORT and the management API :$MGMT_PORT within ${WAIT_SECONDS}s (full logs: $RMQ_BASE/log)"
    fi
    say "RabbitMQ up in $((SECONDS - started))s (node $RMQ_NODE, pid $(rabbitmq_pid))"
}

rabbitmq_down() {
    if ! find_rabbitmq_bin; then
        say "RabbitMQ is not installed: nothing to stop"
        return 0
    fi
    setup_rabbitmq
    local pid
    pid=$(rabbitmq_pid)
    if [[ -z $pid ]]; then
        rm -f "$RMQ_PID_FILE"
        say "RabbitMQ node $RMQ_NODE already stopped"
        return 0
    fi
    say "stopping RabbitMQ node $RMQ_NODE (pid $pid)"
    # rabbitmqctl stop <pid file> returns once the VM has exited; SIGTERM is the fallback.
    if [[ -s $RMQ_PID_FILE ]] && rmq_within 60 rabbitmqctl stop "$RMQ_PID_FILE" >>"$LOG_DIR/rabbitmqctl.log" 2>&1; then
        :
    else
        warn "rabbitmqctl stop did not finish: stopping pid $pid by signal"
    fi
    stop_pid "$pid" "RabbitMQ" 20
    rm -f "$RMQ_PID_FILE"
    say "RabbitMQ stopped"
}

# ---------------------------------------------------------------------------------------------------
# PostgreSQL (the store's backend: FerretDB keeps its data in a project-local cluster)

ensure_postgresql_installed() {
    [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl && -x $PG_BIN/psql ]] && return 0
    local apt_log=$LOG_DIR/apt-postgresql.log
    is_root || die "PostgreSQL $PG_MAJOR is not installed ($PG_BIN): run as root once (apt-get install postgresql-$PG_MAJOR), set STORE_BACKEND=sqlite, or set MONGO_URI to a running server"
    command -v apt-get >/dev/null 2>&1 \
        || die "PostgreSQL $PG_MAJOR is not installed and this is not a Debian/Ubuntu system: install it so that $PG_BIN holds initdb/pg_ctl/psql, or set STORE_BACKEND=sqlite"
    say "postgresql-$PG_MAJOR is not installed: installing it with apt-get (one time; log $apt_log)"
    if ! apt-get update >"$apt_log" 2>&1; then
        tail_log "$apt_log" 20
        die "apt-get update failed (network or apt sources?): cannot install postgresql-$PG_MAJOR"
    fi
    # The package's own cluster (5432, started by its service scripts) is not ours and stays as it is.
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "postgresql-$PG_MAJOR" >>"$apt_log" 2>&1; then
        tail_log "$apt_log" 20
        die "apt-get install postgresql-$PG_MAJOR failed: install it by hand, or set STORE_BACKEND=sqlite"
    fi
    [[ -x $PG_BIN/initdb ]] || die "postgresql-$PG_MAJOR was installed but $PG_BIN/initdb is missing"
    say "installed $(dpkg-query -W -f='postgresql ${Version}' "postgresql-$PG_MAJOR" 2>/dev/null || echo "postgresql-$PG_MAJOR")"
}

# Where the cluster lives and which user runs it (PostgreSQL refuses to run as root).
setup_postgresql() {
    ensure_postgresql_installed
    PG_BASE=${INFRA_PG_DIR:-$VAR/postgresql}
    if is_root; then
        id postgres >/dev/null 2>&1 || die "user 'postgres' is missing: reinstall the postgresql-common package"
        PG_USER=postgres
        mkdir -p "$PG_BASE"
        chown postgres: "$PG_BASE"
        if ! runuser -u postgres -- test -w "$PG_BASE" 2>/dev/null; then
            # The project lives where the postgres user cannot reach (e.g. under /root).
            PG_BASE=/var/lib/postgresql/local-infra-$(printf '%s:%s' "$ROOT" "$PG_PORT" | cksum | cut -d' ' -f1)
            mkdir -p "$PG_BASE"
            chown postgres: "$PG_BASE"
            say "the postgres user cannot write under $VAR: keeping the PostgreSQL cluster in $PG_BASE"
        fi
    else
        PG_USER=$(id -un)
        mkdir -p "$PG_BASE"
    fi
    PG_DATA=$PG_BASE/data
    PG_SOCKET_DIR=$PG_BASE/run
    PG_LOG=$PG_BASE/postgresql.log
    pg_as_owner mkdir -p "$PG_SOCKET_DIR"
}

pg_as_owner() {  # command args...: run as the cluster's user, without the lock descriptor
    if is_root; then
        (cd "$PG_BASE" && runuser -u "$PG_USER" -- "$@" 9>&-)
    else
        (cd "$PG_BASE" && "$@" 9>&-)
    fi
}

pg_psql() {  # database args...
    local database=$1
    shift
    PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d "$database" "$@" 9>&-
}

postgresql_answers() {
    "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2 9>&- 2>/dev/null
}

# The postmaster of our cluster, if any: postmaster.pid's first line, when that process is a
# postgres running on our data directory (the pid file left by a kill -9 may name a reused pid).
postgresql_pid() {
    local pid
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9')
    if pid_alive "$pid" && [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == *"-D $PG_DATA "* ]]; then
        echo "$pid"
    fi
}

# The settings the platform depends on, rewritten on every `up`. Durable: fsync, synchronous commit
# and full page writes are on (PostgreSQL's defaults, stated so nobody turns them off here).
write_postgresql_config() {
    pg_as_owner tee "$PG_DATA/platform.conf" >/dev/null <<EOF
# Written by deploy/local/infra.sh on every \`up\`: change the script, not this file.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
# FerretDB names the filtered field as a query parameter: only a plan built with the values matches
# the expression indexes of deploy/local/store_guard.sql.
plan_cache_mode = force_custom_plan
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 300
shared_buffers = 128MB
log_min_messages = warning
EOF
    grep -qs "^include_if_exists = 'platform.conf'" "$PG_DATA/postgresql.conf" \
        || printf "\ninclude_if_exists = 'platform.conf'\n" | pg_as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

# A data directory from an initdb that was killed half-way has no global/pg_control: set it aside.
init_postgresql_cluster() {
    if [[ -s $PG_DATA/PG_VERSION && -s $PG_DATA/global/pg_control ]]; then
        [[ $(cat "$PG_DATA/PG_VERSION") == "$PG_MAJOR" ]] \
            || die "$PG_DATA holds a PostgreSQL $(cat "$PG_DATA/PG_VERSION") cluster, not $PG_MAJOR: move it away (pg_upgrade it, or dump and restore)"
        return 0
    fi
    if [[ -e $PG_DATA ]]; then
        local aside
        aside=$PG_DATA.incomplete-$(date -u +%Y%m%dT%H%M%SZ)
        warn "$PG_DATA is not a complete cluster (an interrupted initdb?): moving it to $aside"
        mv "$PG_DATA" "$aside"
    fi
    say "creating the PostgreSQL cluster in $PG_DATA (one time)"
    # trust: the cluster listens on 127.0.0.1 and its own socket only, like the broker's guest user.
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=trust >"$PG_BASE/initdb.log" 2>&1 \
        || { tail_log "$PG_BASE/initdb.log" 20; die "initdb failed (log $PG_BASE/initdb.log)"; }
}

wait_for_postgresql() {  # seconds
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        postgresql_answers && return 0
        sleep 0.5
    done
    return 1
}

# FerretDB's database and the guard (store_guard.sql), on every `up`: a cluster made by an older
# version of this script gets them too.
install_store_guard() {
    if ! pg_psql postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
        pg_psql postgres -c "CREATE DATABASE \"$PG_DATABASE\"" >/dev/null || die "could not create database $PG_DATABASE"
    fi
    pg_psql "$PG_DATABASE" -f "$SCRIPT_DIR/store_guard.sql" >"$LOG_DIR/store-guard.log" 2>&1 \
        || { tail_log "$LOG_DIR/store-guard.log" 20; die "installing deploy/local/store_guard.sql failed"; }
}

# A postmaster killed with -9 leaves postmaster.pid behind; PostgreSQL refuses to start while its
# orphaned backends still hold the shared memory, and they exit on their own within moments.
clear_stale_postmaster_pid() {
    [[ -e $PG_DATA/postmaster.pid && -z $(postgresql_pid) ]] || return 0
    local shm_key deadline=$((SECONDS + 20))
    shm_key=$(sed -n 7p "$PG_DATA/postmaster.pid" 2>/dev/null | awk '{print $1}')
    say "removing the stale postmaster.pid of a killed run"
    while [[ -n $shm_key ]] && command -v ipcs >/dev/null 2>&1 \
        && ipcs -m 2>/dev/null | awk -v key="$shm_key" '$1 == sprintf("0x%08x", key) && $6 > 0' | grep -q . \
        && ((SECONDS < deadline)); do
        sleep 0.5
    done
    rm -f "$PG_DATA/postmaster.pid"
    # The socket's lock file names the killed postmaster too. PostgreSQL tests that pid with
    # kill(pid, 0), which a zombie (a killed server nobody reaped yet) still passes: remove the lock
    # when its pid is not a live process, or PostgreSQL refuses to start on "lock file exists".
    local lock=$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT.lock owner
    if [[ -e $lock ]]; then
        owner=$(head -n 1 "$lock" 2>/dev/null | tr -dc '0-9')
        pid_alive "$owner" || rm -f "$lock" "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT"
    fi
}

postgresql_up() {
    setup_postgresql
    if postgresql_answers; then
        [[ -n $(postgresql_pid) ]] || say "a PostgreSQL server this script did not start answers on $HOST:$PG_PORT: using it"
        install_store_guard
        return 0
    fi
    local pid started=$SECONDS
    pid=$(postgresql_pid)
    if [[ -n $pid ]]; then
        say "PostgreSQL (pid $pid) exists but does not answer yet (crash recovery?): giving it ${LEFTOVER_GRACE_SECONDS}s"
        if wait_for_postgresql "$LEFTOVER_GRACE_SECONDS"; then
            install_store_guard
            return 0
        fi
        say "stopping the unresponsive leftover PostgreSQL (pid $pid)"
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -t 20 -w stop >>"$LOG_DIR/pg_ctl.log" 2>&1 || true
        stop_pid "$pid" "PostgreSQL" 15
    fi
    if port_open "$PG_PORT"; then
        die "port $HOST:$PG_PORT is taken by a program that does not answer as PostgreSQL ($(port_owner "$PG_PORT")): stop it, or choose another port with INFRA_PG_PORT"
    fi
    init_postgresql_cluster
    clear_stale_postmaster_pid
    write_postgresql_config
    rotate_log "$PG_LOG"
    say "starting PostgreSQL $PG_MAJOR (cluster $PG_DATA, $HOST:$PG_PORT)"
    # pg_ctl -w returns once the server accepts connections (crash recovery included).
    if ! pg_as_owner setsid "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_SECONDS" start \
        </dev/null >>"$LOG_DIR/pg_ctl.log" 2>&1; then
        tail_log "$PG_LOG" 30
        die "PostgreSQL did not start on $HOST:$PG_PORT within ${WAIT_SECONDS}s (log $PG_LOG)"
    fi
    wait_for_postgresql "$WAIT_SECONDS" || die "PostgreSQL started but does not answer on $HOST:$PG_PORT (log $PG_LOG)"
    install_store_guard
    say "PostgreSQL up in $((SECONDS - started))s (pid $(postgresql_pid))"
}

postgresql_down() {
    [[ -x $PG_BIN/pg_ctl ]] || { say "PostgreSQL is not installed: nothing to stop"; return 0; }
    setup_postgresql
    local pid
    pid=$(postgresql_pid)
    if [[ -z $pid ]]; then
        say "PostgreSQL already stopped"
        return 0
    fi
    say "stopping PostgreSQL (pid $pid)"
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -t 30 -w stop >>"$LOG_DIR/pg_ctl.log" 2>&1 \
        || warn "pg_ctl stop did not finish: stopping pid $pid by signal"
    stop_pid "$pid" "PostgreSQL" 20
    say "PostgreSQL stopped"
}

# ---------------------------------------------------------------------------------------------------
# FerretDB

ferretdb_usable() {  # binary: a FerretDB 1.x that starts (a bare `go install` build panics at start)
    local version
    [[ -x $1 ]] && version=$("$1" --version 2>/dev/null) && [[ $'\n'$version == *$'\n'"version: v1."* ]]
}

find_go() {
    if command -v go >/dev/null 2>&1; then
        GO=$(command -v go)
    elif [[ -x /usr/local/go/bin/go ]]; then
        GO=/usr/local/go/bin/go
    else
        return 1
    fi
}

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` gives a binary that panics at start:
# the module archive lacks build/version/version.txt, which release builds generate. So build from a
# copy of the module source with that file written, the way FerretDB's own packaging does.
build_ferretdb() {
    ensure_dirs
    find_go || die "Go (1.21 or newer) is needed to build FerretDB $FERRETDB_VERSION: install it from https://go.dev/dl/, or set FERRETDB_BIN to a FerretDB 1.x binary"
    local started=$SECONDS src work attempt
    : >"$FERRETDB_BUILD_LOG"
    say "building FerretDB $FERRETDB_VERSION into $BIN_DIR/ferretdb with $("$GO" version | cut -d' ' -f3) (one time, a few minutes; log $FERRETDB_BUILD_LOG)"
    src=$(cd "$VAR" && GOWORK=off GOFLAGS="" "$GO" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>>"$FERRETDB_BUILD_LOG" \
        | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p') || true
    if [[ -z $src || ! -d $src ]]; then
        tail_log "$FERRETDB_BUILD_LOG" 20
        die "could not download $FERRETDB_MODULE@$FERRETDB_VERSION (network, or GOPROXY/GOFLAGS settings?)"
    fi
    work=$VAR/build/ferretdb-$FERRETDB_VERSION
    rm -rf "$work"
    mkdir -p "$VAR/build"
    cp -R "$src" "$work"
    chmod -R u+w "$work"
    printf '%s\n' "$FERRETDB_VERSION" >"$work/build/version/version.txt"

    # The machine's Go first; then the toolchain FerretDB pins; then without the linkname check
    # that newer Go versions enforce.
    local -a attempts=(
        "machine Go|GOTOOLCHAIN=local|"
        "GOTOOLCHAIN=go1.24.3|GOTOOLCHAIN=go1.24.3|"
        "machine Go, -ldflags=-checklinkname=0|GOTOOLCHAIN=local|-ldflags=-checklinkname=0"
    )
    local label toolchain ldflags built=""
    for attempt in "${attempts[@]}"; do
        IFS='|' read -r label toolchain ldflags <<<"$attempt"
        printf '=== go build (%s)\n' "$label" >>"$FERRETDB_BUILD_LOG"
        if (cd "$work" && env CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false "$toolchain" \
            "$GO" build -trimpath ${ldflags:+"$ldflags"} -o "$BIN_DIR/ferretdb.new" ./cmd/ferretdb) \
            >>"$FERRETDB_BUILD_LOG" 2>&1; then
            built=$label
            break
        fi
        warn "building FerretDB with $label failed (see $FERRETDB_BUILD_LOG)"
    done
    if [[ -z $built ]]; then
        rm -f "$BIN_DIR/ferretdb.new"
        tail_log "$FERRETDB_BUILD_LOG" 30
        die "could not build FerretDB $FERRETDB_VERSION with $("$GO" version): install Go 1.24 (https://go.dev/dl/), or set FERRETDB_BIN to a FerretDB 1.x binary"
    fi
    ferretdb_usable "$BIN_DIR/ferretdb.new" \
        || die "the FerretDB built into $BIN_DIR/ferretdb.new does not run: $("$BIN_DIR/ferretdb.new" --version 2>&1 | head -n 1)"
    mv -f "$BIN_DIR/ferretdb.new" "$BIN_DIR/ferretdb"
    rm -rf "$work"
    say "built FerretDB $FERRETDB_VERSION ($built) in $((SECONDS - started))s"
}

resolve_ferretdb() {
    if [[ -n ${FERRETDB_BIN:-} ]]; then
        ferretdb_usable "$FERRETDB_BIN" || die "FERRETDB_BIN=$FERRETDB_BIN is not a working FerretDB 1.x binary"
        FERRETDB=$FERRETDB_BIN
        return 0
    fi
    local candidate gopath_bin="" seen=" "
    if find_go; then
        gopath_bin=$("$GO" env GOPATH 2>/dev/null | cut -d: -f1)/bin/ferretdb
    fi
    for candidate in "$BIN_DIR/ferretdb" $gopath_bin $(command -v ferretdb 2>/dev/null || true); do
        [[ $seen == *" $candidate "* ]] && continue
        seen+="$candidate "
        if ferretdb_usable "$candidate"; then
            FERRETDB=$candidate
            return 0
        elif [[ -e $candidate ]]; then
            say "$candidate is not a working FerretDB 1.x (\`$(basename "$candidate") --version\` fails; bare \`go install\` builds panic at start): not using it"
        fi
    done
    build_ferretdb
    FERRETDB=$BIN_DIR/ferretdb
}

# Our FerretDB process, if any: from the pid file, else by its listen address and our state
# directory on its command line (the same for either backend).
ferretdb_pid() {
    local pid mark="--listen-addr=$HOST:$MONGO_PORT --state-dir=$FERRETDB_STATE_DIR "
    pid=$(read_pid_file "$FERRETDB_PID_FILE")
    if pid_alive "$pid" && [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == *"$mark"* ]]; then
        echo "$pid"
        return 0
    fi
    pgrep -f -- "$mark" 2>/dev/null | head -n 1 || true
}

# FerretDB's backend arguments: the PostgreSQL cluster (started first), or SQLite files.
ferretdb_backend_args() {
    case $STORE_BACKEND in
        postgresql)
            FERRETDB_BACKEND_ARGS=(--handler=postgresql "--postgresql-url=$(local_postgresql_url)")
            FERRETDB_BACKEND_NOTE="PostgreSQL $HOST:$PG_PORT/$PG_DATABASE" ;;
        sqlite)
            mkdir -p "$FERRETDB_DATA_DIR"
            FERRETDB_BACKEND_ARGS=(--handler=sqlite "--sqlite-url=file:$FERRETDB_DATA_DIR/")
            FERRETDB_BACKEND_NOTE="SQLite data $FERRETDB_DATA_DIR" ;;
        *) die "STORE_BACKEND=$STORE_BACKEND: use postgresql (the default) or sqlite" ;;
    esac
}

# FerretDB 1.24 holds a pool connection for every open cursor, and for every statement of an
# `update` command until the whole command ends (msg_update.go defers each statement's cursor
# close to the end of the command): one update command of more statements than the pool has
# connections waits for itself forever, and every other command then queues behind the lock its
# dropDatabase or createIndexes waits on. The platform sends bulk updates 16 statements per
# command (services/common/guarded.py); the pool leaves room for many writers at once.
# 200 of the cluster's 300.
local_postgresql_url() {
    printf 'postgres://postgres@%s:%s/%s?pool_max_conns=200' "$HOST" "$PG_PORT" "$PG_DATABASE"
}

wait_for_ferretdb() {  # seconds
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        probe mongo "$LOCAL_MONGO_URI" && return 0
        [[ -n $(ferretdb_pid) ]] || return 1
        sleep 0.5
    done
    return 1
}

ferretdb_up() {
    if [[ -n ${MONGO_URI:-} ]] && ! is_local_uri "$MONGO_URI" "$MONGO_PORT"; then
        probe mongo "$MONGO_URI" \
            || die "MONGO_URI=$(masked "$MONGO_URI") does not answer ($(probe_reason mongo "$MONGO_URI")): start that server, or unset MONGO_URI to use a local FerretDB"
        say "MongoDB: MONGO_URI=$(masked "$MONGO_URI") answers: using it, starting nothing"
        return 0
    fi
    if probe mongo "$LOCAL_MONGO_URI"; then
        if [[ $STORE_BACKEND == postgresql && -n $(ferretdb_pid) ]]; then
            postgresql_up  # ours: its cluster answers too and has the current guard
        fi
        say "a MongoDB-wire server already answers on $HOST:$MONGO_PORT: starting nothing"
        return 0
    fi

    local pid started=$SECONDS
    pid=$(ferretdb_pid)
    if [[ -n $pid ]]; then
        say "FerretDB (pid $pid) exists but does not answer yet: giving it ${LEFTOVER_GRACE_SECONDS}s"
        if wait_for_ferretdb "$LEFTOVER_GRACE_SECONDS"; then
            say "FerretDB up (pid $pid)"
            return 0
        fi
        say "stopping the unresponsive leftover FerretDB (pid $pid)"
        stop_pid "$pid" "FerretDB" 10
    fi
    rm -f "$FERRETDB_PID_FILE"
    if port_open "$MONGO_PORT"; then
        die "port $HOST:$MONGO_PORT is taken by a program that does not answer MongoDB ping ($(port_owner "$MONGO_PORT")): stop it, or choose another port with INFRA_MONGO_PORT"
    fi

    resolve_ferretdb
    local debug_addr=$FERRETDB_DEBUG_ADDR
    if [[ $debug_addr != - ]] && port_open "${debug_addr##*:}"; then
        warn "FerretDB's debug/metrics address $debug_addr is taken ($(port_owner "${debug_addr##*:}")): starting without it"
        debug_addr=-
    fi
    if [[ $STORE_BACKEND == postgresql ]]; then
        postgresql_up
    fi
    ferretdb_backend_args
    mkdir -p "$FERRETDB_STATE_DIR"
    rotate_log "$FERRETDB_LOG"
    printf '=== %s infra.sh up: %s\n' "$(date -u +%FT%TZ)" "$FERRETDB" >>"$FERRETDB_LOG"
    say "starting FerretDB ($FERRETDB, $FERRETDB_BACKEND_NOTE, $HOST:$MONGO_PORT)"
    # setsid: its own session, so it outlives this script and the terminal that ran it.
    # --listen-addr and --state-dir first and together: ferretdb_pid finds the process by them.
    DO_NOT_TRACK=1 setsid "$FERRETDB" \
        --listen-addr="$HOST:$MONGO_PORT" \
        --state-dir="$FERRETDB_STATE_DIR" \
        "${FERRETDB_BACKEND_ARGS[@]}" \
        --debug-addr="$debug_addr" \
        --telemetry=disable \
        --log-level=warn \
        </dev/null >>"$FERRETDB_LOG" 2>&1 9>&- &
    echo $! >"$FERRETDB_PID_FILE"
    if ! wait_for_ferretdb "$WAIT_SECONDS"; then
        tail_log "$FERRETDB_LOG" 30
        die "FerretDB did not answer MongoDB ping on $HOST:$MONGO_PORT within ${WAIT_SECONDS}s (log $FERRETDB_LOG)"
    fi
    say "FerretDB up in $((SECONDS - started))s (pid $(ferretdb_pid))"
}

ferretdb_down() {
    local pid
    pid=$(ferretdb_pid)
    if [[ -z $pid ]]; then
        rm -f "$FERRETDB_PID_FILE"
        say "FerretDB already stopped"
        return 0
    fi
    say "stopping FerretDB (pid $pid)"
    stop_pid "$pid" "FerretDB" 15
    rm -f "$FERRETDB_PID_FILE"
    say "FerretDB stopped"
}

# ---------------------------------------------------------------------------------------------------
# Commands

# The URIs in use: the environment's, else the local stack's. Without RABBIT_API_URI, the management
# API is assumed on port 15672 of the AMQP host, with the AMQP credentials (RabbitMQ's default).
effective_uris() {
    EFF_AMQP_URI=${AMQP_URI:-$LOCAL_AMQP_URI}
    EFF_MONGO_URI=${MONGO_URI:-$LOCAL_MONGO_URI}
    if [[ -n ${RABBIT_API_URI:-} ]]; then
        EFF_RABBIT_API_URI=$RABBIT_API_URI
    elif is_local_uri "$EFF_AMQP_URI" "$AMQP_PORT"; then
        EFF_RABBIT_API_URI=$LOCAL_RABBIT_API_URI
    else
        local userinfo hostport
        userinfo=$(sed -nE 's#^[a-z+]+://([^@/]*@).*#\1#p' <<<"$EFF_AMQP_URI")
        hostport=$(sed -E 's#^[a-z+]+://##; s#^[^@/]*@##; s#[/?].*$##' <<<"$EFF_AMQP_URI")
        EFF_RABBIT_API_URI="http://${userinfo:-guest:guest@}${hostport%:*}:15672"
    fi
}

cmd_up() {
    local started=$SECONDS
    take_lock
    pick_python
    rabbitmq_up
    ferretdb_up
    say "all up in $((SECONDS - started))s; for the services and tests: eval \"\$($0 env)\""
}

cmd_down() {
    take_lock
    ferretdb_down
    postgresql_down
    rabbitmq_down
}

cmd_status() {
    ensure_dirs
    pick_python
    effective_uris
    local rc=0 api_note
    api_note=", management API $(masked "$EFF_RABBIT_API_URI")"
    if rabbitmq_answers "$EFF_AMQP_URI" "$EFF_RABBIT_API_URI"; then
        say "rabbitmq up    $(masked "$EFF_AMQP_URI")$api_note"
    else
        say "rabbitmq down  $(masked "$EFF_AMQP_URI")$api_note"
        rc=1
    fi
    if [[ -z ${MONGO_URI:-} && $STORE_BACKEND == postgresql ]]; then
        if postgresql_answers; then
            say "postgres up    $HOST:$PG_PORT/$PG_DATABASE (FerretDB's backend)"
        else
            say "postgres down  $HOST:$PG_PORT/$PG_DATABASE (FerretDB's backend)"
            rc=1
        fi
    fi
    if probe mongo "$EFF_MONGO_URI"; then
        say "mongodb  up    $(masked "$EFF_MONGO_URI")"
    else
        say "mongodb  down  $(masked "$EFF_MONGO_URI")"
        rc=1
    fi
    return "$rc"
}

cmd_env() {
    effective_uris
    printf "export AMQP_URI='%s'\n" "$EFF_AMQP_URI"
    printf "export MONGO_URI='%s'\n" "$EFF_MONGO_URI"
    printf "export RABBIT_API_URI='%s'\n" "$EFF_RABBIT_API_URI"
    if [[ -z ${MONGO_URI:-} && $STORE_BACKEND == postgresql ]]; then
        # the local FerretDB's PostgreSQL cluster (the store tests read its EXPLAIN plans)
        printf "export STORE_POSTGRES_URI='postgresql://postgres@%s:%s/%s'\n" "$HOST" "$PG_PORT" "$PG_DATABASE"
    fi
}

cmd_rabbitmqctl() {
    ensure_dirs
    find_rabbitmq_bin || die "RabbitMQ is not installed"
    setup_rabbitmq
    rmq rabbitmqctl "$@"
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
    local command=${1:-}
    [[ $# -gt 0 ]] && shift
    case $command in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        env) cmd_env ;;
        build-ferretdb) take_lock && build_ferretdb ;;
        postgresql-up) take_lock && postgresql_up ;;
        postgresql-down) take_lock && postgresql_down ;;
        rabbitmqctl) cmd_rabbitmqctl "$@" ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
