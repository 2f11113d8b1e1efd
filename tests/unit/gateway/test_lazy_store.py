"""The gateway's stores build a worker's repository on its first use, once (lazy_store.py)."""
from types import SimpleNamespace

from services.gateway.lazy_store import LazyRepository, LazyStore


class Repo:
    built = 0

    def __init__(self, db, relay, correlation_id):
        Repo.built += 1
        self.db, self.correlation_id = db, correlation_id

    def find(self, key):
        return (self.db, key, self.correlation_id)


def test_a_worker_that_does_not_touch_a_store_builds_nothing_and_one_that_does_builds_once():
    store = LazyStore(Repo)
    store.db = "the-db"
    Repo.built = 0
    untouched = store.get_dependency(SimpleNamespace(data={"correlation_id": "c-1"}))
    assert isinstance(untouched, LazyRepository) and Repo.built == 0
    used = store.get_dependency(SimpleNamespace(data={"correlation_id": "c-2"}))
    assert used.find("k") == ("the-db", "k", "c-2")  # the worker's own correlation id
    assert used.find("j") == ("the-db", "j", "c-2")
    assert used.correlation_id == "c-2"
    assert Repo.built == 1
