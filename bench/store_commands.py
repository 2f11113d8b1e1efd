"""What one store command costs in CPU, one at a time on a quiet store: the store's processes
(FerretDB and PostgreSQL, from /proc) and this client's, per command.

    python -m bench.store_commands [N]      (MONGO_URI from the environment, as make infra sets it)

The commands are the ones a registration and an event are made of: an insert of a small document
(the raw baselines' kind), an insert of a project as a registration stores it (into a
collection with the projects' indexes), a find of one by ``_id``, and an update of one field
(with the storage revision, as every platform update). Each runs N times in a database of its
own, dropped afterwards. Prints one JSON document.
"""
import copy
import json
import sys
import time
import uuid

from bench import cpu

SETTLE_SECONDS = 1.0  # before each command's series: what the previous one left running settles


def _projects(db, n: int) -> list[dict]:
    """n projects as a registration stores them (with their pending event), for a collection with
    the projects' indexes."""
    from bench.measures_events import outbox_documents
    from services.investments.repository import ProjectRepository
    ProjectRepository.ensure_indexes(db)
    documents, _ = outbox_documents(n, uuid.uuid4().hex[:8], ProjectRepository(db))
    return documents


def _cost(command, n: int) -> dict:
    time.sleep(SETTLE_SECONDS)
    before = cpu.Snapshot()
    for i in range(n):
        command(i)
    spent = cpu.split(before, cpu.Snapshot(), services=set())
    return {"store_ms": round(1000 * spent["groups"].get(cpu.STORE, 0.0) / n, 3),
            "client_ms": round(1000 * spent["groups"].get(cpu.BENCH, 0.0) / n, 3),
            "wall_ms": round(1000 * spent["seconds"] / n, 3)}


def measure(client, n: int = 300) -> dict:
    db = client[f"bench_store_commands_{uuid.uuid4().hex[:8]}"]
    try:
        projects, small = _projects(db, n), db["small"]
        return {
            "insert, small document": _cost(lambda i: small.insert_one({"_id": i, "v": i}), n),
            "insert, project": _cost(
                lambda i: db["projects"].insert_one(copy.copy(projects[i])), n),
            "find one project by _id": _cost(
                lambda i: db["projects"].find_one({"_id": projects[i]["_id"]}), n),
            "update one field of a project": _cost(
                lambda i: db["projects"].update_one({"_id": projects[i]["_id"]},
                                                    {"$set": {"note": i}, "$inc": {"_rev": 1}}), n),
        }
    finally:
        client.drop_database(db.name)


def main(argv: list[str]) -> None:
    from services.common.mongo import get_client
    print(json.dumps(measure(get_client(), int(argv[0]) if argv else 300), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
