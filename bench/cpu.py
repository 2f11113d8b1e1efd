"""CPU time per operation, by process group, read from /proc: where a measure's time goes.

On this shared machine both sides of a throughput measure end up bounded by CPU: the platform's
processes, the store (FerretDB and its PostgreSQL) and the broker share the same cores as the raw
baseline's one process. So the bench records, around the register and event-path measures, the
CPU seconds every process spent, divided by the operations the load completed. The interval runs
from the start of the load until the machine is quiet again, so the work an operation causes in
the background (the relay's pull, the hub's reaction, the totals fold) is counted with it.

The platform's processes are never quite idle (every service's outbox sweep and timers, the
broker's and the store's own housekeeping): the CPU each group spends per second when nothing is
asked of it is measured just before the load and taken away over the interval, so an operation is
charged only with what it adds.

From that split follows the **ceiling with a free store**: the throughput the platform could reach
if every store command cost no CPU at all, ``cores / (CPU of the services and the broker per
operation)``. When that ceiling is already below the goal, no change to the store's use can meet
the goal on this runtime and machine; the profile says so in numbers.
"""
import os
import time
from dataclasses import dataclass, field

from bench.report import Result

HZ = os.sysconf("SC_CLK_TCK")

STORE, BROKER, SERVICES, BENCH, RAW, OTHER = "store", "broker", "services", "bench", "raw", "other"
# what the platform's own work is, and what the raw baseline's is, in these groups
PLATFORM_GROUPS = (SERVICES, BROKER, STORE)


def _read_processes() -> dict[int, tuple[str, int, float]]:
    """pid -> (command line, parent pid, CPU seconds of the process and its reaped children)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        parent = int(fields[1])
        user, system, child_user, child_system = (int(x) for x in fields[11:15])
        found[int(name)] = (command, parent, (user + system + child_user + child_system) / HZ)
    return found


def _busy_seconds() -> float:
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / HZ  # all but idle and iowait


def classify(command: str, pid: int, parent: int, services: set[int], bench: int,
             raw: set[int]) -> str:
    """The group a process's CPU counts for. PostgreSQL's backends name the database they serve
    (``postgres: … ferretdb …``): all of it is the store."""
    if pid in services or parent in services:
        return SERVICES
    if pid in raw or parent in raw:
        return RAW
    if pid == bench or parent == bench:
        return BENCH  # the bench's driver, watcher and load generators (wrk, vegeta)
    head = command.split(" ", 1)[0]
    if "ferretdb" in head or head.startswith("postgres") or "/postgresql/" in head:
        return STORE
    if "beam" in head or "rabbitmq" in command or "epmd" in head or "erl_child_setup" in head:
        return BROKER
    return OTHER


@dataclass
class Snapshot:
    """CPU seconds per process and the machine's busy seconds, at one moment."""
    at: float = field(default_factory=time.monotonic)
    processes: dict = field(default_factory=_read_processes)
    busy: float = field(default_factory=_busy_seconds)


def split(before: Snapshot, after: Snapshot, *, services: set[int], raw: set[int] = frozenset(),
          bench: int | None = None) -> dict:
    """CPU seconds per group between two snapshots (a process that started in between counts from
    zero; one that ended in between is counted in its parent's reaped children)."""
    bench = os.getpid() if bench is None else bench
    groups: dict[str, float] = {}
    for pid, (command, parent, seconds) in after.processes.items():
        earlier = before.processes.get(pid)
        spent = seconds - (earlier[2] if earlier and earlier[0] == command else 0.0)
        if spent > 0:
            group = classify(command, pid, parent, services, bench, raw)
            groups[group] = groups.get(group, 0.0) + spent
    return {"seconds": after.at - before.at, "busy": after.busy - before.busy, "groups": groups}


def wait_until_quiet(limit_seconds: float = 30.0, cores_busy: float = 0.3) -> float:
    """Wait until the machine's CPU is below ``cores_busy`` cores for a second (the background
    work of a load is done), at most ``limit_seconds``; returns the seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < limit_seconds:
        first = _busy_seconds()
        time.sleep(1.0)
        if _busy_seconds() - first < cores_busy:
            break
    return time.monotonic() - began


def above_idle(spent: dict, idle: dict | None) -> dict:
    """``spent`` less what each group spends when idle (``idle``: a ``split`` over a quiet
    interval), scaled to ``spent``'s interval; never below zero."""
    if not idle or not idle["seconds"]:
        return spent
    scale = spent["seconds"] / idle["seconds"]
    groups = {g: max(0.0, s - scale * idle["groups"].get(g, 0.0))
              for g, s in spent["groups"].items()}
    return {**spent, "groups": groups, "busy": max(0.0, spent["busy"] - scale * idle["busy"])}


def per_operation(spent: dict, operations: int, cores: int | None = None,
                  idle: dict | None = None) -> dict:
    """Milliseconds of CPU per operation, by group and in all, above what the groups spend idle;
    the platform's own share (services, broker) and its ceiling with a free store (operations
    per second)."""
    cores = cores or os.cpu_count() or 1
    if operations <= 0:
        return {"operations": 0}
    added = above_idle(spent, idle)
    by_group = {g: round(1000 * s / operations, 3) for g, s in sorted(added["groups"].items())}
    own = sum(by_group.get(g, 0.0) for g in (SERVICES, BROKER))
    figures = {"operations": operations, "ms_by_group": by_group,
               "ms_busy": round(1000 * added["busy"] / operations, 3),
               "cores_busy": round(spent["busy"] / spent["seconds"], 2) if spent["seconds"] else None,
               "ms_services_and_broker": round(own, 3),
               "ceiling_with_free_store": round(1000 * cores / own, 1) if own else None}
    if idle:
        figures["idle_ms_per_second_by_group"] = {
            g: round(1000 * s / idle["seconds"], 1) for g, s in sorted(idle["groups"].items())}
    return figures


class Accounting:
    """``with Accounting(services=pids) as cpu: <load>`` then ``cpu.per(operations)``: CPU from
    the start of the load until the machine is quiet again, above what the processes spend idle
    (measured for ``idle_seconds`` on entry)."""

    def __init__(self, *, services=(), raw=(), quiet_limit: float = 30.0,
                 idle_seconds: float = 3.0):
        self.services, self.raw, self.quiet_limit = set(services), set(raw), quiet_limit
        self.idle_seconds = idle_seconds
        self.spent = self.idle = None

    def __enter__(self):
        if self.idle_seconds:
            first = Snapshot()
            time.sleep(self.idle_seconds)
            self.before = Snapshot()
            self.idle = split(first, self.before, services=self.services, raw=self.raw)
        else:
            self.before = Snapshot()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            wait_until_quiet(self.quiet_limit)
            self.spent = split(self.before, Snapshot(), services=self.services, raw=self.raw)

    def per(self, operations: int) -> dict:
        if not self.spent:
            return {"operations": 0}
        return per_operation(self.spent, operations, idle=self.idle)


def describe(label: str, figures: dict) -> str:
    """One log line: the CPU per operation, largest group first."""
    groups = sorted((figures.get("ms_by_group") or {}).items(), key=lambda kv: -kv[1])
    parts = ", ".join(f"{g} {ms:.2f}" for g, ms in groups if ms >= 0.01)
    return (f"{label}: {figures.get('ms_busy', 0):.2f} ms CPU per operation "
            f"({figures.get('cores_busy')} cores busy): {parts}")


def ceiling(name: str, platform_cpu: dict, baseline_rate: float, unit: str) -> Result:
    """A reported row: the rate the platform's own processes and the broker allow at most on these
    cores were every store command free, against the raw baseline's measured rate."""
    return Result(name, platform_cpu.get("ceiling_with_free_store"), unit, baseline=baseline_rate,
                  figures={"cpu_ms_per_operation": platform_cpu},
                  note="an upper bound computed from CPU per operation, not a measured rate")
