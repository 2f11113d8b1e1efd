"""How bench.national stores a country's data: the way bulk loaders do.

- Worker processes build the documents (the domain commands, the stored forms) while this process
  hands the batches they finished to ``INSERTERS`` threads: FerretDB and PostgreSQL take several
  ``insert_many`` at once (each on a connection of its own), so the store works on both cores
  while Python builds the next documents.
- Each collection's indexes are made after its data, by the repository's own ``ensure_indexes``
  (the indexes the services declare, nothing else): one sorted build per index instead of
  maintaining every B-tree and GIN twin row by row. Only the ``_id`` index (made with the table)
  is kept up during the load.
- Then the store is settled: on FerretDB on PostgreSQL, each loaded table is ANALYZEd and the
  pending lists of its GIN twins are merged (``gin_clean_pending_list``). Rows inserted into a GIN
  index with ``fastupdate`` wait in an unsorted pending list that every search reads in full
  until a vacuum merges it: right after the load, one civil servant by id took 89 ms at the
  store, the pending list of the ``_id`` twin being scanned on every read. Autovacuum would merge
  it later; a bulk loader does it before declaring the data ready.

Every part is timed: ``Timings`` reports the seconds spent waiting for built documents, storing
them, building the indexes and settling.
"""
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

BATCH = 500  # documents per insert_many (FerretDB inserts them 100 a statement, one transaction)
INSERTERS = 4  # threads storing batches at once


def log(message):
    print(message, file=sys.stderr, flush=True)


@dataclass
class Timings:
    """Seconds per part of one kind's load."""
    seconds: dict = field(default_factory=dict)

    def add(self, part: str, began: float) -> None:
        self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - began


class Inserter:
    """``insert_many`` batches on ``threads`` threads, at most ``2 × threads`` waiting (memory
    stays bounded); a failed batch raises at the next submit or at ``drain``."""

    def __init__(self, threads: int = INSERTERS, batch: int = BATCH):
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="insert")
        self.batch = batch
        self.limit = 2 * threads
        self.pending: deque = deque()

    def submit(self, collection, docs: list) -> None:
        for i in range(0, len(docs), self.batch):
            self.pending.append(self.pool.submit(collection.insert_many,
                                                 docs[i:i + self.batch], ordered=False))
            while len(self.pending) > self.limit:
                self.pending.popleft().result()

    def drain(self) -> None:
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        self.drain()
        self.pool.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def in_order(pool, fn, jobs, ahead: int):
    """``fn(*job)`` of each job in a worker, in order, at most ``ahead`` computed in advance
    (memory stays bounded while the store takes what is ready)."""
    pending = deque()
    for job in jobs:
        pending.append(pool.submit(fn, *job))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def index_after(timings: Timings, *steps) -> None:
    """Each ``ensure_indexes(db)`` step, once the data is in."""
    began = time.perf_counter()
    for ensure, db in steps:
        ensure(db)
    timings.add("indexes", began)


def settle(client, prefix: str, timings: Timings | None = None) -> str:
    """ANALYZE every table of the databases ``<prefix>_*`` and merge their GIN pending lists, on
    FerretDB on a PostgreSQL this process can reach (``tests.support.store``); elsewhere nothing
    (MongoDB keeps its indexes sorted). Returns what was done."""
    from tests.support.store import backend, psql
    began = time.perf_counter()
    names = [n for n in client.list_database_names() if n.startswith(prefix + "_")]
    if not names or backend(client[names[0]]) != "ferretdb-postgresql":
        return "nothing to settle: not FerretDB on a reachable PostgreSQL"
    schemas = ", ".join(f"'{name}'" for name in names)
    step = time.perf_counter()
    merged = psql(
        "SELECT count(gin_clean_pending_list(i.indexrelid::regclass)) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE am.amname = 'gin' "
        f"AND n.nspname IN ({schemas})")
    merging = time.perf_counter() - step
    tables = psql(f"SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                  f"WHERE schemaname IN ({schemas})").split()
    for start in range(0, len(tables), 20):
        psql("; ".join(f"ANALYZE {table}" for table in tables[start:start + 20]))
    if timings is not None:
        timings.add("settle", began)
    return (f"{merged} GIN pending lists merged in {merging:.0f}s, {len(tables)} tables analysed "
            f"in {time.perf_counter() - step - merging:.0f}s")
