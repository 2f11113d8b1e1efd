"""The budgets service's import runner: a managed green thread that runs queued import jobs.

``import_finish`` only queues a job and wakes the runner, because a file of a million lines takes
far longer than any RPC deadline. Any instance of the service may run any job: the runner claims
it in the store (see ``ImportRepository.claim``), so a job survives the instance that started it
(its lease runs out and another runner resumes it from its last checkpoint).
"""
import logging

import eventlet
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider

from services.budgets.application.recalculation import Stores
from services.budgets.imports.job import ImportJob
from services.budgets.imports.repository import ImportChunkRepository, ImportRepository, LostLease
from services.budgets.imports.rules import DEFAULT_IMPORT_SETTINGS, ImportSettings
from services.budgets.repository.lines import RevenueLineRepository
from services.budgets.repository.monthly import MonthlyIndicatorsRepository
from services.budgets.repository.state import IndicatorsRepository, TransfersRepository
from services.common.config import load_settings
from services.common.consuming import OUTAGE_ERRORS
from services.common.guarded import guard
from services.common.mongo import get_client, utcnow
from services.common.outbox import OutboxRelay

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE_SECONDS = 5
ABANDON_CHECK_EVERY = 60  # idle polls between sweeps for uploads that were never finished


class ImportRunner(DependencyProvider):
    relay = OutboxRelay()  # the container's one relay, shared with the Store dependencies

    def __init__(self, config: ImportSettings = DEFAULT_IMPORT_SETTINGS):
        self.config = config
        self._wakeups = LightQueue()
        self._running = False
        self._gt = None
        self._idle_polls = 0
        self._current = None  # (import_id, claim token, attempts) of the job being run

    def setup(self):
        settings = load_settings()
        self.db = guard(get_client()[settings.database_name(self.container.service_name)])

    def start(self):
        self._running = True
        self._gt = self.container.spawn_managed_thread(self._loop)

    def stop(self):
        self._running = False
        if self._gt is not None:
            self._gt.kill()
            self._gt = None
        if self._current is not None:  # hand the job over now rather than after its lease
            import_id, token, attempts = self._current
            try:  # a stop is no failure of the job: the attempt is given back
                ImportRepository(self.db, self.relay).checkpoint(
                    import_id, token, {"attempts": attempts - 1}, utcnow(), 0)
            except Exception:
                log.warning("could not release import %s; its lease runs out", import_id)
            self._current = None

    kill = stop

    def get_dependency(self, worker_ctx):
        return self

    def wake(self) -> None:
        """Look for queued jobs now rather than at the next poll."""
        self._wakeups.put(None)

    # -- the loop ------------------------------------------------------------------------------
    def _loop(self):
        while self._running:
            try:
                worked = self.run_once()
            except Exception:
                log.exception("import runner failed; going on")
                worked = False
            if worked:
                continue
            try:
                self._wakeups.get(timeout=self.config.poll_seconds)
            except Empty:
                pass

    def _repositories(self, correlation_id=None):
        def make(cls):
            return cls(self.db, self.relay, correlation_id)
        return make

    def run_once(self) -> bool:
        """Claim and run one job; False when there was nothing to do."""
        imports = ImportRepository(self.db, self.relay)
        now = utcnow()
        self._idle_polls += 1
        if self._idle_polls >= ABANDON_CHECK_EVERY:
            self._idle_polls = 0
            chunks = ImportChunkRepository(self.db, self.relay)
            imports.abandon_stale(now - self.config.abandon_after, now)
            # chunks of ended jobs: normally dropped by the job, left over after a crash
            for import_id in imports.finished(chunks.staged_imports()):
                chunks.drop(import_id)
        claimed = imports.claim(now, self.config.lease_seconds)
        if claimed is None:
            return False
        doc, token = claimed
        make = self._repositories(doc.get("correlation_id"))
        imports = make(ImportRepository)
        chunks = make(ImportChunkRepository)
        if doc["attempts"] > self.config.max_attempts:
            imports.close(doc["import_id"], token, {"state": "failed", "phase": None,
                          "failure": f"gave up after {self.config.max_attempts} attempts"},
                          [], utcnow())
            chunks.drop(doc["import_id"])
            return True
        stores = Stores(lines=make(RevenueLineRepository), indicators=make(IndicatorsRepository),
                        transfers=make(TransfersRepository),
                        monthly=make(MonthlyIndicatorsRepository))
        job = ImportJob(doc, token, imports=imports, chunks=chunks, lines=stores.lines,
                        recalc_stores=stores, now=utcnow, config=self.config)
        self._current = (doc["import_id"], token, doc["attempts"])
        try:
            job.run()
        except LostLease:
            log.warning("import %s was taken over by another runner", doc["import_id"])
        except Exception as exc:
            log.exception("import %s failed; it is retried", doc["import_id"])
            fields = {"failure": f"{type(exc).__name__}: {exc}"[:500]}
            if isinstance(exc, OUTAGE_ERRORS):  # the store or a service away: not the job's fault
                fields["attempts"] = doc["attempts"] - 1
            try:  # retry soon rather than after the whole lease
                imports.checkpoint(doc["import_id"], token, fields, utcnow(),
                                   RETRY_AFTER_FAILURE_SECONDS)
            except Exception:
                log.warning("could not record the failure of import %s", doc["import_id"])
        finally:
            self._current = None
        eventlet.sleep(0)
        return True
