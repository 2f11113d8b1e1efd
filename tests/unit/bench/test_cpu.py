"""The bench's CPU accounting: which process a CPU second counts for, per operation, and the
ceiling the platform's own processes allow with a free store."""
import os
import time

from bench import cpu


def _snapshot(processes: dict, busy: float, at: float) -> cpu.Snapshot:
    return cpu.Snapshot(at=at, processes=processes, busy=busy)


def test_processes_fall_into_the_store_the_broker_the_services_the_raw_server_and_the_bench():
    services, raw, bench = {100, 101}, {200}, 300

    def group(command, pid, parent=1):
        return cpu.classify(command, pid, parent, services, bench, raw)

    assert group("/work/var/bin/ferretdb --handler=postgresql", 10) == cpu.STORE
    # a PostgreSQL backend names the database it serves, the postmaster its binary
    assert group("postgres: ferretdb ferretdb 127.0.0.1(51000) idle", 11) == cpu.STORE
    assert group("/usr/lib/postgresql/15/bin/postgres -D var/postgresql", 12) == cpu.STORE
    assert group("/usr/lib/erlang/erts-12/bin/beam.smp -- -root /usr/lib/erlang", 13) == cpu.BROKER
    assert group("python -m services.nameko_runner gateway", 100) == cpu.SERVICES
    assert group("some helper", 150, parent=101) == cpu.SERVICES
    assert group("python -m bench.raw_server 8123", 200) == cpu.RAW
    assert group("wrk -t 2 -c 8", 400, parent=bench) == cpu.BENCH
    assert group("sshd: session", 500) == cpu.OTHER


def test_the_split_counts_what_each_process_spent_in_between_and_a_reused_pid_from_zero():
    before = _snapshot({100: ("nameko gateway", 1, 5.0), 10: ("ferretdb", 1, 7.0),
                        20: ("old process", 1, 9.0)}, busy=50.0, at=0.0)
    after = _snapshot({100: ("nameko gateway", 1, 5.5), 10: ("ferretdb", 1, 8.25),
                       20: ("postgres: ferretdb ferretdb", 1, 0.5),  # pid reused
                       30: ("beam.smp", 1, 0.25)}, busy=52.5, at=2.0)
    spent = cpu.split(before, after, services={100}, bench=999)
    assert spent["seconds"] == 2.0 and spent["busy"] == 2.5
    assert spent["groups"] == {cpu.SERVICES: 0.5, cpu.STORE: 1.75, cpu.BROKER: 0.25}


def test_per_operation_gives_milliseconds_by_group_and_the_ceiling_with_a_free_store():
    spent = {"seconds": 10.0, "busy": 19.0,
             "groups": {cpu.SERVICES: 8.0, cpu.BROKER: 2.0, cpu.STORE: 9.0}}
    figures = cpu.per_operation(spent, operations=1000, cores=2)
    assert figures["ms_by_group"] == {cpu.BROKER: 2.0, cpu.SERVICES: 8.0, cpu.STORE: 9.0}
    assert figures["ms_busy"] == 19.0 and figures["cores_busy"] == 1.9
    assert figures["ms_services_and_broker"] == 10.0
    # two cores, 10 ms of services and broker per operation: at most 200 per second
    assert figures["ceiling_with_free_store"] == 200.0
    assert cpu.per_operation(spent, operations=0) == {"operations": 0}


def test_what_the_groups_spend_idle_is_taken_away_over_the_interval():
    idle = {"seconds": 2.0, "busy": 0.2, "groups": {cpu.SERVICES: 0.1, cpu.BROKER: 0.1}}
    spent = {"seconds": 10.0, "busy": 12.0,
             "groups": {cpu.SERVICES: 6.5, cpu.BROKER: 0.25, cpu.STORE: 5.0}}
    figures = cpu.per_operation(spent, operations=100, cores=2, idle=idle)
    # idle: 50 ms per second each, so 0.5 s of the services' and broker's 10 s are not the load's
    assert figures["ms_by_group"] == {cpu.BROKER: 0.0, cpu.SERVICES: 60.0, cpu.STORE: 50.0}
    assert figures["ms_busy"] == 110.0  # 12 s less 1 s of idle busy time
    assert figures["ceiling_with_free_store"] == round(2000 / 60.0, 1)
    assert figures["idle_ms_per_second_by_group"] == {cpu.BROKER: 50.0, cpu.SERVICES: 50.0}


def test_the_ceiling_row_is_reported_against_the_raw_rate_without_a_goal():
    row = cpu.ceiling("register ceiling", {"ceiling_with_free_store": 150.0}, 600.0, "req/s")
    assert row.ratio == 0.25 and row.met is None and row.goal == "reported"


def test_accounting_reads_this_process_cpu_from_proc():
    # no idle correction here: this test process's idle CPU is whatever else runs in it
    with cpu.Accounting(services={os.getpid()}, quiet_limit=2.0, idle_seconds=0) as accounting:
        began = time.process_time()
        while time.process_time() - began < 0.3:  # 0.3 s of this process's CPU
            sum(range(1000))
    figures = accounting.per(3)
    # at least the 0.3 s burnt here, over 3 operations (the clock ticks at 1/HZ)
    assert figures["ms_by_group"][cpu.SERVICES] >= 90.0
    assert figures["ms_busy"] >= 90.0
