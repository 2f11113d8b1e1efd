"""Aggregates of the budgets service kept one document each: indicators, transfers, forecasts,
block budgets and annual reports.

Every state change that carries facts goes through the kernel's single-document outbox
(``save_new`` / ``save_versioned`` / ``upsert_with_events``), so a figure and the event announcing
it are stored in the same write. Documents that the domain keys by free text (block lines by
line id, carry-ins by block id, forecast contributions by project id) are stored as lists: a
user's id may hold a ``.`` or start with ``$``, which a field name may not.
"""
from services.budgets.domain.report import report_id
from services.common.codec import DocumentCodec, money_to_tiyn, tiyn_to_money
from services.common.errors import NotFound
from services.common.mongo import Repository

RATIO_KEYS = ("own_revenue_share", "transfer_dependency", "execution_rate")


def pair_id(region_code: str, fiscal_year: int) -> str:
    return f"{region_code}|{int(fiscal_year)}"


class IndicatorsRepository(Repository):
    """Full-year ("Y", i.e. to date) indicators per region and year; ``_id`` = ``region|year``."""
    collection_name = "indicators"
    indexes = [([("fiscal_year", 1)], {})]
    codec = DocumentCodec(decimal_keys=RATIO_KEYS)

    def to_store(self, doc: dict) -> dict:
        stored = super().to_store(doc)
        stored["by_category"] = {k: money_to_tiyn(v) for k, v in doc["by_category"].items()}
        return stored

    def from_store(self, stored: dict) -> dict:
        doc = super().from_store(stored)
        doc["by_category"] = {k: tiyn_to_money(v) for k, v in stored["by_category"].items()}
        return doc

    def load(self, region_code: str, fiscal_year: int) -> tuple[dict | None, int | None]:
        stored = self.collection.find_one({"_id": pair_id(region_code, fiscal_year)},
                                          {"_outbox": 0})
        if stored is None:
            return None, None
        doc = self.from_store(stored)
        return doc, doc["version"]

    def store(self, doc: dict, expected_version: int | None, facts) -> dict:
        doc = dict(doc, _id=pair_id(doc["region_code"], doc["fiscal_year"]))
        if expected_version is None:
            return self.save_new(doc, facts)
        return self.save_versioned(doc, expected_version, facts)


class TransfersRepository(Repository):
    """Transfers of a region and year fixed by the budget law; ``_id`` = ``region|year``."""
    collection_name = "transfers"

    def put(self, record: dict, now) -> None:
        stored = self.to_store(dict(record, updated_at=now))
        self.collection.update_one({"_id": pair_id(record["region_code"], record["fiscal_year"])},
                                   {"$set": stored}, upsert=True)

    def find(self, region_code: str, fiscal_year: int) -> dict | None:
        stored = self.collection.find_one({"_id": pair_id(region_code, fiscal_year)})
        if stored is None:
            return None
        doc = self.from_store(stored)
        doc.pop("_id", None)
        return doc


class ForecastRepository(Repository):
    """One revenue forecast per region; ``_id`` = region code."""
    collection_name = "forecasts"

    def to_store(self, doc: dict) -> dict:
        stored = {k: v for k, v in doc.items()
                  if k not in ("contributions", "cancelled", "base_kzt", "totals_kzt")}
        stored["_id"] = doc["region_code"]
        stored["base_kzt"] = {y: money_to_tiyn(v) for y, v in doc["base_kzt"].items()}
        stored["totals_kzt"] = {y: money_to_tiyn(v) for y, v in doc["totals_kzt"].items()}
        stored["contributions"] = [
            {"project_id": pid, "annual_kzt": money_to_tiyn(c["annual_kzt"]),
             "commissioned_on": c["commissioned_on"], "years": list(c["years"])}
            for pid, c in doc["contributions"].items()]
        stored["cancelled"] = [{"project_id": pid, "cancelled_on": on}
                               for pid, on in doc["cancelled"].items()]
        return stored

    def from_store(self, stored: dict) -> dict:
        return {
            "region_code": stored["region_code"],
            "base_kzt": {y: tiyn_to_money(v) for y, v in stored["base_kzt"].items()},
            "totals_kzt": {y: tiyn_to_money(v) for y, v in stored["totals_kzt"].items()},
            "contributions": {c["project_id"]: {"annual_kzt": tiyn_to_money(c["annual_kzt"]),
                                                "commissioned_on": c["commissioned_on"],
                                                "years": list(c["years"])}
                              for c in stored["contributions"]},
            "cancelled": {c["project_id"]: c["cancelled_on"] for c in stored["cancelled"]},
        }

    def load(self, region_code: str) -> tuple[dict | None, int | None]:
        stored = self.collection.find_one({"_id": region_code}, {"_outbox": 0})
        if stored is None:
            return None, None
        return self.from_store(stored), stored["version"]

    def store(self, doc: dict, expected_version: int | None, facts) -> dict:
        if expected_version is None:
            return self.save_new(doc, facts)
        return self.save_versioned(doc, expected_version, facts)


class BlockRepository(Repository):
    """Block budgets; ``_id`` = the domain's block id (spending body|region|year)."""
    collection_name = "blocks"
    indexes = [([("region_code", 1), ("fiscal_year", 1)], {})]
    id_field = "block_id"
    codec = DocumentCodec(decimal_keys={"target_value"})

    def to_store(self, doc: dict) -> dict:
        shaped = dict(doc)
        shaped["lines"] = [dict(line, line_id=line_id) for line_id, line in doc["lines"].items()]
        shaped["carry_ins"] = [{"block_id": source, "amount_kzt": amount}
                               for source, amount in doc["carry_ins"].items()]
        return super().to_store(shaped)

    def from_store(self, stored: dict) -> dict:
        doc = super().from_store(stored)
        doc["lines"] = {line.pop("line_id"): line for line in doc["lines"]}
        doc["carry_ins"] = {c["block_id"]: c["amount_kzt"] for c in doc["carry_ins"]}
        return doc

    def load(self, block_id: str) -> tuple[dict, int]:
        doc = self.get(block_id)
        return doc, doc["version"]

    def find(self, block_id: str) -> tuple[dict | None, int | None]:
        try:
            return self.load(block_id)
        except NotFound:
            return None, None

    def create(self, block: dict, facts=()) -> dict:
        return self.save_new(block, facts)

    def save(self, block: dict, expected_version: int, facts=()) -> dict:
        return self.save_versioned(block, expected_version, facts)

    def existing_ids(self, block_ids) -> set[str]:
        """Which of ``block_ids`` are stored (one ``_id`` read each: the only filter FerretDB
        serves from an index here; ``$in`` reads the whole collection)."""
        return {bid for bid in block_ids
                if self.collection.find_one({"_id": bid}, {"_id": 1}) is not None}

    def record_rejection(self, block_id: str, facts) -> None:
        """Store the facts of a refused command on the block without changing its state."""
        self.upsert_with_events(block_id, {}, facts, upsert=False)

    def list_blocks(self, region_code: str, fiscal_year: int | None = None) -> list[dict]:
        query: dict = {"region_code": region_code}
        if fiscal_year is not None:
            query["fiscal_year"] = int(fiscal_year)
        return [self.from_store(d) for d in
                self.collection.find(query, {"_outbox": 0}).sort("_id", 1)]


class ReportRepository(Repository):
    """Generated annual reports (JSON-ready documents); ``_id`` = ``region|year``."""
    collection_name = "annual_reports"
    indexes = [([("reporting_year", 1)], {})]
    id_field = "report_id"

    def store(self, report: dict, facts) -> None:
        fields = {k: v for k, v in report.items() if k != "report_id"}
        self.upsert_with_events(report["report_id"], {"$set": fields, "$inc": {"version": 1}},
                                facts)

    def find(self, region_code: str, reporting_year: int) -> dict | None:
        stored = self.collection.find_one({"_id": report_id(region_code, reporting_year)},
                                          {"_outbox": 0})
        if stored is None:
            return None
        return self.from_store(stored)


class SeedBatchRepository(Repository):
    """One small document per slice of the demo seed's events (their outbox carrier)."""
    collection_name = "seed_batches"
    id_field = "batch_id"
