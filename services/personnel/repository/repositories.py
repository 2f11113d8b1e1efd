"""Personnel documents in the store. With ``repository.effects`` the only modules of the service
that touch pymongo.

One repository per aggregate collection (organisations, positions, servants, rotations), each
injected with its own ``Store``. Besides what the domain keeps, the stored documents carry:

- store-enforced invariants as unique keys the domain never sees: ``iin`` (one servant per IIN),
  ``post_holder_key`` (one servant per post) and ``open_key`` (one open rotation per servant);
- ``rotation_due_date`` on servants, computed from the terms rules at every write so "who is
  due" is an indexed range query (recomputed on the next write if the settings changes);
- the pending-effects fields of ``repository.effects`` (``pending_*``, ``applied_effects``),
  which ``from_store`` strips, so domain rules never see them and a versioned write of a domain
  document leaves them as they are; ``effect_conflicts`` is shown (someone has to settle it).
"""
from pymongo import ASCENDING, DESCENDING

from services.common.codec import DocumentCodec
from services.common.mongo import Repository
from services.personnel.domain.documents import ROTATION_DATE_KEYS, SERVANT_DATE_KEYS
from services.personnel.domain.rotation_states import OPEN_STATUSES
from services.personnel.domain.settings import DEFAULT_SETTINGS
from services.personnel.domain.terms import rotation_due_date

PENDING_FIELDS = ("pending_batch", "pending_effects", "pending_keys", "pending_since")
# bookkeeping the rules never see (``effect_conflicts`` stays visible: people settle those)
EFFECT_FIELDS = (*PENDING_FIELDS, "applied_effects")
HIDDEN = {"_outbox": 0, "pending_effects": 0}


def doc_key(collection_name: str, doc_id: str) -> str:
    """How pending effects name a document across collections: ``servants:cs-1``."""
    return f"{collection_name}:{doc_id}"


class PersonnelRepository(Repository):
    """What the personnel repositories share: hidden bookkeeping fields, reads by id, paging,
    bulk inserts of the seed."""

    derived_fields: tuple[str, ...] = ()

    def from_store(self, stored: dict) -> dict:
        return super().from_store({k: v for k, v in stored.items()
                                   if k not in EFFECT_FIELDS and k not in self.derived_fields})

    def key(self, doc_id: str) -> str:
        return doc_key(self.collection_name, doc_id)

    def find(self, doc_id) -> dict | None:
        stored = self.collection.find_one({"_id": doc_id}, HIDDEN)
        return self.from_store(stored) if stored else None

    def raw(self, doc_id) -> dict | None:
        """The stored document with its bookkeeping fields (pending effects), undecoded."""
        return self.collection.find_one({"_id": doc_id}, {"_outbox": 0})

    def get_many(self, ids) -> dict[str, dict]:
        """The documents with these ids that exist. One read per id: FerretDB 1.x scans the whole
        collection for an ``_id: {$in: ...}`` filter, and commands read a handful at most."""
        found = (self.find(doc_id) for doc_id in sorted({i for i in ids if i}))
        return {d[self.id_field]: d for d in found if d is not None}

    def version_of(self, doc_id) -> int | None:
        stored = self.collection.find_one({"_id": doc_id}, {"version": 1})
        return None if stored is None else stored.get("version")

    def page(self, flt: dict, *, page: int, page_size: int, sort) -> tuple[list[dict], int]:
        total = self.collection.count_documents(flt)
        cursor = (self.collection.find(flt, HIDDEN).sort(sort)
                  .skip((page - 1) * page_size).limit(page_size))
        return [self.from_store(d) for d in cursor], total

    def insert_missing(self, docs) -> tuple[int, int]:
        """Insert documents that carry no events, skipping those already stored (by id or unique
        key): ``(stored, existing)``. Documents with events go through ``save_new`` (outbox)."""
        return super().insert_missing({**doc, "version": doc.get("version", 1)} for doc in docs)



class OrganisationRepository(PersonnelRepository):
    collection_name = "organisations"
    id_field = "org_id"
    codec = DocumentCodec()
    indexes = [
        ([("kind", ASCENDING), ("region_code", ASCENDING)], {}),
        ([("region_code", ASCENDING)], {}),
    ]
    SEED_RUNS = "seed_runs"

    def query(self, q: dict) -> tuple[list[dict], int]:
        flt = {}
        if q.get("kind"):
            flt["kind"] = q["kind"]
        if q.get("region"):
            flt["region_code"] = q["region"]
        return self.page(flt, page=q["page"], page_size=q["page_size"],
                         sort=[("kind", ASCENDING), ("region_code", ASCENDING), ("_id", ASCENDING)])

    # the parameters a seed was generated with, so a re-run regenerates the very same documents
    def seed_run(self) -> dict | None:
        return self.db[self.SEED_RUNS].find_one({"_id": "personnel"}, {"_id": 0, "_rev": 0})

    def record_seed_run(self, meta: dict) -> dict:
        self.db[self.SEED_RUNS].update_one({"_id": "personnel"}, {"$setOnInsert": meta},
                                           upsert=True)
        return self.seed_run()


class PositionRepository(PersonnelRepository):
    collection_name = "positions"
    id_field = "position_id"
    codec = DocumentCodec()
    indexes = [
        ([("org_id", ASCENDING), ("_id", ASCENDING)], {}),
        ([("region_code", ASCENDING), ("status", ASCENDING)], {}),
        ([("status", ASCENDING), ("category", ASCENDING)], {}),
    ]

    def query(self, q: dict) -> tuple[list[dict], int]:
        flt = {}
        for field, key in (("org_id", "org_id"), ("region", "region_code"), ("status", "status"),
                           ("corps", "corps"), ("category", "category")):
            if q.get(field):
                flt[key] = q[field]
        return self.page(flt, page=q["page"], page_size=q["page_size"],
                         sort=[("org_id", ASCENDING), ("_id", ASCENDING)])

    def home_side_candidates(self, rotation: dict) -> list[dict]:
        """Free posts where ``rotation``'s servant may return to (the domain picks among them)."""
        if rotation["direction"] == "centre_to_region":
            flt = {"org_kind": "central", "status": "vacant"}
        else:  # equality filters only: the store can answer them without a scan
            flt = {"region_code": rotation["home_region"], "status": "vacant"}
        return [self.from_store(d) for d in self.collection.find(flt, HIDDEN)
                if (d.get("org_kind") == "central") == (rotation["direction"] == "centre_to_region")]


class ServantRepository(PersonnelRepository):
    collection_name = "servants"
    id_field = "servant_id"
    codec = DocumentCodec(date_keys=SERVANT_DATE_KEYS | {"rotation_due_date"})
    derived_fields = ("post_holder_key",)
    indexes = [
        ([("iin", ASCENDING)], {"unique": True}),
        ([("post_holder_key", ASCENDING)], {"unique": True}),
        ([("home_region", ASCENDING), ("_id", ASCENDING)], {}),
        ([("org_id", ASCENDING)], {}),
        ([("status", ASCENDING), ("rotation_due_date", ASCENDING)], {}),
    ]
    settings = DEFAULT_SETTINGS

    def to_store(self, doc: dict) -> dict:
        stored = super().to_store(doc)
        if "servant_id" in doc:
            # a post has one holder: a second registration into it fails on this key
            stored["post_holder_key"] = (f"post:{doc['position_id']}" if doc.get("position_id")
                                         else f"none:{doc['servant_id']}")
        if doc.get("post_start") is not None:
            stored["rotation_due_date"] = self.codec.encode(rotation_due_date(doc, self.settings))
        return stored

    def iin_taken(self, iin: str) -> bool:
        return self.collection.count_documents({"iin": iin}, limit=1) > 0

    def query(self, q: dict, regions=None) -> tuple[list[dict], int]:
        flt: dict = {}
        home = _narrowed(q.get("region"), regions)
        if home is not None:
            flt["home_region"] = home
        if q.get("org_id"):
            flt["org_id"] = q["org_id"]
        if q.get("status"):
            flt["status"] = q["status"]
        if q.get("due_before"):
            flt["rotation_due_date"] = {"$lte": self.codec.encode(q["due_before"])}
            flt.setdefault("status", "active")
        return self.page(flt, page=q["page"], page_size=q["page_size"],
                         sort=[("home_region", ASCENDING), ("_id", ASCENDING)])

    def due_candidates(self, today, regions=None) -> list[dict]:
        """Servants in post whose due date has come; the terms rules decide (exemptions...)."""
        flt: dict = {"status": "active", "rotation_due_date": {"$lte": self.codec.encode(today)}}
        home = _narrowed(None, regions)
        if home is not None:
            flt["home_region"] = home
        return [self.from_store(d) for d in
                self.collection.find(flt, HIDDEN).sort([("rotation_due_date", ASCENDING),
                                                        ("_id", ASCENDING)])]


def _narrowed(asked: str | None, regions) -> str | dict | None:
    """The ``home_region`` condition for a region asked for within the caller's regions: plain
    equality whenever one region is meant (the common case, and one the store can index)."""
    if regions is None:
        return asked
    allowed = sorted(regions if asked is None else set(regions) & {asked})
    if len(allowed) == 1:
        return allowed[0]
    return {"$in": allowed}  # an empty list matches nothing, as it should


def _region_clause(regions) -> dict:
    codes = sorted(regions)
    return {"$or": [{"from_region": {"$in": codes}}, {"to_region": {"$in": codes}}]}


class RotationRepository(PersonnelRepository):
    collection_name = "rotations"
    id_field = "rotation_id"
    codec = DocumentCodec(date_keys=ROTATION_DATE_KEYS)
    derived_fields = ("open_key",)
    indexes = [
        ([("open_key", ASCENDING)], {"unique": True}),
        ([("servant_id", ASCENDING)], {}),
        ([("from_region", ASCENDING), ("status", ASCENDING)], {}),
        ([("to_region", ASCENDING), ("status", ASCENDING)], {}),
        ([("from_org_id", ASCENDING)], {}),
        ([("to_org_id", ASCENDING)], {}),
        ([("status", ASCENDING), ("planned_end", ASCENDING)], {}),
        ([("created_at", DESCENDING)], {}),
    ]
    STATISTICS_FIELDS = {"status": 1, "direction": 1, "home_region": 1, "from_region": 1,
                         "to_region": 1, "actual_start": 1, "actual_end": 1}

    def to_store(self, doc: dict) -> dict:
        stored = super().to_store(doc)
        if "status" in doc:
            # at most one open rotation per servant, whatever the timing of two requests
            stored["open_key"] = (f"open:{doc['servant_id']}" if doc["status"] in OPEN_STATUSES
                                  else f"closed:{doc['rotation_id']}")
        return stored

    def open_for_servant(self, servant_id: str) -> list[dict]:
        return [self.from_store(d) for d in self.collection.find(
            {"servant_id": servant_id, "status": {"$in": list(OPEN_STATUSES)}}, HIDDEN)]

    def query(self, q: dict, regions=None) -> tuple[list[dict], int]:
        """A rotation matches a region when it leaves it or enters it (``from`` or ``to``)."""
        clauses = []
        if q.get("region"):
            clauses.append(_region_clause({q["region"]}))
        if regions is not None:
            clauses.append(_region_clause(regions))
        if q.get("org_id"):
            clauses.append({"$or": [{"from_org_id": q["org_id"]}, {"to_org_id": q["org_id"]}]})
        flt: dict = {}
        for field in ("servant_id", "status", "direction"):
            if q.get(field):
                flt[field] = q[field]
        if q.get("ends_before"):
            flt["planned_end"] = {"$lte": self.codec.encode(q["ends_before"])}
        if clauses:
            flt["$and"] = clauses
        return self.page(flt, page=q["page"], page_size=q["page_size"],
                         sort=[("created_at", DESCENDING), ("_id", ASCENDING)])

    def statistics_rows(self):
        for stored in self.collection.find({}, self.STATISTICS_FIELDS):
            yield self.codec.decode(stored)


class SeedBatchRepository(PersonnelRepository):
    """One document per loaded seed batch, carrying the batch's events in its outbox.

    Seed documents are historic state, inserted in bulk; their commands' events go out through
    this small carrier, whose insert is the commit point of the batch's events (a batch loaded
    again finds its carrier and publishes nothing). The relay's per-event update on a carrier
    stays cheap, where on a collection of thousands of servants it would scan them all on
    FerretDB 1.x.
    """
    collection_name = "seed_batches"
    id_field = "batch_id"
