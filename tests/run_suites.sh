#!/usr/bin/env bash
# `make test`: every suite of tests/ at once, as separate pytest processes, and one verdict.
#
# Why side by side: most of the suite's time is waiting (platforms starting, seeds, events crossing
# the broker, a broker restart, a 30 s store stop, browsers rendering), not computing. The suites
# share nothing but the broker and the store, and each isolates itself there (a vhost and database
# prefix per run; the fault suite brings a broker and a store of its own), so they can overlap.
# Each suite still runs every one of its tests, with its own session fixtures, exactly as
# `pytest <its folder>` runs it.
#
# usage: tests/run_suites.sh [SUITE...]   (default: all; names as in SUITES below)
# Output: one line per suite as it ends, then a table and the total; a failing suite's log is
# printed from its failures on. Every suite's whole log is kept under var/test-logs/.
# Exit status: 0 only when every suite passed with no test failed, errored or skipped unexplained.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
LOGS=${TEST_LOGS:-$ROOT/var/test-logs}
PARALLEL=${TEST_PARALLEL:-5}
mkdir -p "$LOGS"

# name | pytest arguments. A long suite is split into parts by file (a part is an ordinary pytest
# run of its files, with its own session fixtures: its own platform, fault infrastructure, vhost and
# database prefix), each part a process of its own. The last part of each suite is "the folder but
# the other parts' files", so a file added later is always run. The order is the start order.
# (pytest-xdist is not used: its workers hang under eventlet.monkey_patch(), which every test
# process needs, see conftest.py.)
IT=tests/integration
FAULT=tests/fault
CONFORMANCE=tests/e2e/test_openapi_conformance.py
SUITES=(
    # the two browsers' journeys, on one seeded platform (tests/e2e/console/shared_platform.py)
    "console-chromium|tests/e2e/console -k chromium"
    "console-firefox|tests/e2e/console -k 'not chromium'"
    # the API conformance, one test per role: the admin's run is the longest
    "e2e-conformance-1|$CONFORMANCE -k admin"
    # in this order: the platform the store outage starts is up before the API fuzzing
    # (each fault test's hang guard: HANG_GUARD_SECONDS in tests/support/fault_infra.py)
    "fault-1|$FAULT/test_fault_consumer_kill.py $FAULT/test_fault_store_outage.py $FAULT/test_fault_openapi_fuzz.py"
    "fault-2|$FAULT --ignore=$FAULT/test_fault_openapi_fuzz.py --ignore=$FAULT/test_fault_consumer_kill.py --ignore=$FAULT/test_fault_store_outage.py"
    "e2e-conformance-2|$CONFORMANCE -k 'not admin'"
    "e2e|tests/e2e --ignore=tests/e2e/console --ignore=$CONFORMANCE"
    "integration-4|$IT --ignore=$IT/budgets --ignore=$IT/ops --ignore=$IT/gateway --ignore=$IT/investments --ignore=$IT/personnel"
    "integration-1|$IT/budgets $IT/ops"
    "integration-2|$IT/gateway"
    "integration-3|$IT/investments $IT/personnel"
    "unit|tests/unit"
)

wanted=("$@")
selected() {
    [[ ${#wanted[@]} -eq 0 ]] && return 0
    local w
    for w in "${wanted[@]}"; do [[ $1 == "$w" || $1 == "$w"-* ]] && return 0; done
    return 1
}

# the console's two parts share one seeded platform through this folder (one per run)
export CONSOLE_SHARED_PLATFORM=$ROOT/var/e2e/console-shared-$$
rm -rf "$CONSOLE_SHARED_PLATFORM"

# pytest's last line, e.g. "12 passed, 1 skipped in 3.2s": the count of one outcome in it
count() { grep -oE "[0-9]+ $2" <<<"$1" | grep -oE '^[0-9]+' || echo 0; }
summary() { grep -E '^=*.*(passed|failed|error|skipped|no tests ran).* in [0-9.]+s' "$1" | tail -n 1; }

QUEUE=()
for entry in "${SUITES[@]}"; do
    selected "${entry%%|*}" && QUEUE+=("$entry")
done
[[ ${#QUEUE[@]} -gt 0 ]] || { echo "[test] no suite named: $*" >&2; exit 2; }

start() {  # start <entry>
    local name=${1%%|*} args=${1#*|} argv
    eval "argv=($args)"  # the table's own words, quotes included
    "$PY" -m pytest "${argv[@]}" -q -ra --durations=15 >"$LOGS/$name.log" 2>&1 &
    PIDS[$name]=$!
    STARTED[$name]=$SECONDS
    running=$((running + 1))
    printf '[test] %-18s started (pid %s, log var/test-logs/%s.log)\n' "$name" "$!" "$name"
}

# At most PARALLEL parts at once, in the table's order: more than that on 2 shared cores only
# stretches every part until RPC and HTTP timeouts (5 to 30 s) trip.
declare -A PIDS=() STARTED=() CODES=()
failed=0 running=0 next=0
while [[ $next -lt ${#QUEUE[@]} || $running -gt 0 ]]; do
    while [[ $next -lt ${#QUEUE[@]} && $running -lt $PARALLEL ]]; do
        start "${QUEUE[$next]}"
        next=$((next + 1))
    done
    sleep 2
    # polled, not `wait -n`: that can drop the status of a process that ends beside another one
    for name in "${!PIDS[@]}"; do
        [[ -z ${CODES[$name]:-} ]] || continue
        kill -0 "${PIDS[$name]}" 2>/dev/null && continue
        wait "${PIDS[$name]}"
        CODES[$name]=$?
        running=$((running - 1))
        line=$(summary "$LOGS/$name.log")
        printf '[test] %-18s exit %s after %4ss: %s\n' "$name" "${CODES[$name]}" \
            "$((SECONDS - STARTED[$name]))" "${line:-no pytest summary (see its log)}"
    done
done

rm -rf "$CONSOLE_SHARED_PLATFORM"

total_passed=0 total_failed=0 total_errors=0 total_skipped=0
echo "[test] ---------------------------------------------------------------"
for name in "${!CODES[@]}"; do
    line=$(summary "$LOGS/$name.log")
    total_passed=$((total_passed + $(count "$line" passed)))
    total_failed=$((total_failed + $(count "$line" failed)))
    total_errors=$((total_errors + $(count "$line" error)))
    total_skipped=$((total_skipped + $(count "$line" skipped)))
    if [[ ${CODES[$name]} -ne 0 ]]; then
        failed=1
        echo "[test] ===== $name FAILED (exit ${CODES[$name]}): from its log ====="
        # from the first failure or error section on; the whole log when there is none
        awk '/^=+ (FAILURES|ERRORS) =+$/ {on=1} on' "$LOGS/$name.log" | grep -q . \
            && awk '/^=+ (FAILURES|ERRORS) =+$/ {on=1} on' "$LOGS/$name.log" \
            || cat "$LOGS/$name.log"
    fi
done
printf '[test] all suites: %s passed, %s failed, %s errors, %s skipped in %ss wall\n' \
    "$total_passed" "$total_failed" "$total_errors" "$total_skipped" "$SECONDS"
exit $failed
