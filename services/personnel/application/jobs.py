"""Work the personnel service does besides answering people: the periodic "rotation due" scan,
organisation changes from the civil service agency, and loading the demo seed.

Each is idempotent: the scan publishes ``rotation_due`` once per case (the case key is kept on the
servant in the same write as the event), an agency change applied twice changes nothing, and a
seed loaded twice adds nothing.
"""
import hashlib
import logging
from datetime import date

from services.common.errors import Conflict, DuplicateKey, StaleVersion, ValidationFailed
from services.common import clock as platform_clock
from services.personnel import domain
from services.personnel.application.commands import facts_with_region
from services.personnel.domain.ministry import apply_organisation_change
from services.personnel.repository.effects import PendingEffects
from services.personnel.application.transfer import from_wire

log = logging.getLogger(__name__)

SEED_KINDS = ("organisations", "positions", "servants", "rotations")
MAX_SEED_BATCH = 1000
# small carriers: the relay rewrites a carrier once per published event, and FerretDB rewrites the
# whole document each time
EVENTS_PER_CARRIER = 25


class PersonnelJobs:
    def __init__(self, *, organisations, positions, servants, rotations, seed_batches=None,
                 clock=platform_clock.now_utc, settings: domain.PersonnelSettings = domain.DEFAULT_SETTINGS):
        self.repos = {"organisations": organisations, "positions": positions,
                      "servants": servants, "rotations": rotations}
        self.seed_batches = seed_batches
        self.organisations, self.servants = organisations, servants
        self.clock, self.settings = clock, settings

    # -- the periodic job ----------------------------------------------------------------------
    def scan_due_rotations(self, today: date | None = None) -> dict:
        """Publish ``rotation_due`` for every new case due on ``today`` (default: today)."""
        now = self.clock()
        today = today or platform_clock.civil_date(now)
        report = {"today": today.isoformat(), "due": 0, "published": 0, "raced": 0, "busy": 0}
        # a servant a multi-document command is changing right now waits for the next run
        busy = PendingEffects(*self.repos.values()).busy()
        for servant in self.servants.due_candidates(today):
            case = domain.due_rotation(servant, today, self.settings)
            if case is None:
                continue
            report["due"] += 1
            if self.servants.key(servant["servant_id"]) in busy:
                report["busy"] += 1
                continue
            new, facts = domain.record_rotation_due(servant, case, now=now)
            if not facts:
                continue  # this case went out already
            try:
                # the key and the event are one write: a second run, or a second instance,
                # finds the key or loses the version race, and publishes nothing
                self.servants.save_versioned(new, servant["version"], facts_with_region(facts))
                report["published"] += 1
            except StaleVersion:
                report["raced"] += 1  # changed meanwhile; the next run looks again
        log.info("rotation due scan for %s: %s", today, report)
        return report

    # -- inbound: the civil service agency's organisation changes ------------------------------
    def apply_organisation_change(self, envelope: dict) -> str:
        """Apply ``organisation_changed`` (payload already validated); returns what happened."""
        payload = envelope["payload"]
        current = self.organisations.find(payload["org_id"])
        new = apply_organisation_change(current, payload, event_id=envelope["event_id"],
                                        occurred_at=envelope["occurred_at"], now=self.clock())
        if new is None:
            return "unchanged"
        if current is None:
            self.organisations.save_new(new)  # DuplicateKey on a race: the redelivery settles it
            return "created"
        self.organisations.save_versioned(new, current["version"])
        return payload["change"]

    # -- the demo seed -------------------------------------------------------------------------
    def seed_info(self) -> dict | None:
        return self.organisations.seed_run()

    def begin_seed(self, meta: dict) -> dict:
        """Record the seed's parameters once; a different seed over existing data is refused."""
        wanted = {k: meta.get(k) for k in ("seed", "servants", "rotations", "today")}
        recorded = self.organisations.record_seed_run(wanted)
        if recorded != wanted:
            raise Conflict("the store holds a seed generated with other parameters",
                           {"recorded": recorded, "requested": wanted})
        return recorded

    def load_seed(self, batch: dict) -> dict:
        """Store one batch of seed documents of one kind through its repository, and the events
        the seed's commands produced for them through the batch's carrier (``seed_batches``).
        Loading a batch again stores only what is missing and publishes nothing twice."""
        kind = batch.get("kind")
        if kind not in SEED_KINDS:
            raise ValidationFailed("unknown seed kind", {"kind": [f"one of {list(SEED_KINDS)}"]})
        documents = batch.get("documents")
        if not isinstance(documents, list) or not documents or len(documents) > MAX_SEED_BATCH:
            raise ValidationFailed("invalid seed batch",
                                   {"documents": [f"a list of 1 to {MAX_SEED_BATCH} documents"]})
        repo = self.repos[kind]
        documents = from_wire(documents)
        ids = [doc.get(repo.id_field) for doc in documents]
        if not all(isinstance(i, str) and i for i in ids):
            raise ValidationFailed("seed document without id", {repo.id_field: ["required"]})
        events = from_wire(batch.get("events") or {})
        facts = [(t, p) for doc_id in ids for t, p in events.get(doc_id, [])]
        report = {"kind": kind, "stored": 0, "existing": 0, "events": 0}
        batch_id = f"{kind}:" + hashlib.sha256(",".join(ids).encode()).hexdigest()[:24]
        for part, start in enumerate(range(0, len(facts), EVENTS_PER_CARRIER)):
            some = facts[start:start + EVENTS_PER_CARRIER]
            try:
                self.seed_batches.save_new({"batch_id": f"{batch_id}:{part}", "kind": kind},
                                           facts_with_region(some))
                report["events"] += len(some)
            except DuplicateKey:
                pass  # these events went out when the batch was first loaded
        report["stored"], report["existing"] = repo.insert_missing(documents)
        return report
