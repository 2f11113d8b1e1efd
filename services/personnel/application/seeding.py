"""Loading the demo seed (``regionctl seed``): the documents ``demo_data`` generated, in batches of
one kind, through the repositories, with the events the seed's commands produced.

Idempotent: a seed loaded twice adds nothing and publishes nothing twice, and a different seed
over existing data is refused.
"""
import hashlib

from services.common.errors import Conflict, DuplicateKey, ValidationFailed
from services.personnel.application.multi_document import facts_with_region
from services.personnel.application.transfer import from_wire

SEED_KINDS = ("organisations", "positions", "servants", "rotations")
MAX_SEED_BATCH = 1000
# A carrier is one insert and, once its events are confirmed, one $pullAll of all of them
# (services.common.outbox): fewer, larger carriers cost fewer store writes.
EVENTS_PER_CARRIER = 100


class PersonnelSeeding:
    def __init__(self, *, organisations, positions, servants, rotations, seed_batches):
        self.repos = {"organisations": organisations, "positions": positions,
                      "servants": servants, "rotations": rotations}
        self.organisations, self.seed_batches = organisations, seed_batches

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
