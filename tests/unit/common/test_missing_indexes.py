"""A service's start creates only the indexes its store lacks, in one command."""
from pymongo import IndexModel

from services.common.mongo import create_missing_indexes


class FakeCollection:
    def __init__(self, info):
        self.info = info
        self.created = []

    def index_information(self):
        return self.info

    def create_indexes(self, models):
        self.created.append([m.document["name"] for m in models])


STORED = {"_id_": {"key": [("_id", 1)]},
          "region_code_1_stage_1": {"key": [("region_code", 1.0), ("stage", 1.0)]},
          "external_ref_1": {"key": [("external_ref", 1)], "unique": True}}


def test_indexes_already_stored_are_not_created_again():
    coll = FakeCollection(STORED)
    create_missing_indexes(coll, [IndexModel([("region_code", 1), ("stage", 1)]),
                                  IndexModel([("external_ref", 1)], unique=True)])
    assert coll.created == []


def test_the_missing_ones_are_created_together():
    coll = FakeCollection(STORED)
    create_missing_indexes(coll, [IndexModel([("region_code", 1), ("stage", 1)]),
                                  IndexModel([("sector", 1)]), IndexModel([("a", 1), ("b", -1)])])
    assert coll.created == [["sector_1", "a_1_b_-1"]]


def test_an_index_whose_options_changed_is_sent_so_the_store_can_refuse_it():
    coll = FakeCollection(STORED)
    create_missing_indexes(coll, [IndexModel([("external_ref", 1)])])  # no longer unique
    assert coll.created == [["external_ref_1"]]


def test_no_declared_index_costs_no_round_trip():
    class Untouchable:
        def index_information(self):
            raise AssertionError("listed")
    create_missing_indexes(Untouchable(), [])
