"""The gateway's copies of projects (project_views.py says when one is served).

Every write is conditional on the version, so a copy never goes back: a command's answer or a
service read stored late (after a newer one) changes nothing, and the hub's ``floor`` only rises
(``$max``). One find by ``_id`` per read.

Store cost: an update on the local store is a read and a whole-document write (several times an
insert's cost), and every project event raises a floor. So a new project's first copy is an insert,
and a floor is written only when it changes what may be served: never for a project's first
version (no older copy can exist), nor when the stored copy is already at that version or newer (a
copy only moves forward, so such a floor could never refuse it), which is the case for every
change made through the gateway once its answer is stored.
"""
from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.common.mongo import Repository
from services.gateway.reads.project_views import COLLECTION, SHAPE


class ProjectViewRepository(Repository):
    collection_name = COLLECTION

    def read(self, project_id: str) -> dict | None:
        return self.collection.find_one({"_id": project_id})

    def keep(self, project: dict, now: datetime, shape: str = SHAPE) -> bool:
        """Store ``project`` (a ``ProjectOut``) over an older copy, or one of another shape at the
        same version; False when the stored copy is as new or newer."""
        version = project["version"]
        fields = {"project": project, "version": version, "shape": shape, "stored_at": now}
        if version == 1:  # a new project: no document yet, unless a later version's event came
            try:
                self.collection.insert_one({"_id": project["id"], **fields, "floor": 0})
                return True
            except DuplicateKeyError:
                pass  # then the conditional update decides
        try:
            self.collection.update_one(
                {"_id": project["id"], "$or": [{"version": {"$lt": version}},
                                               {"version": version, "shape": {"$ne": shape}}]},
                {"$set": fields, "$setOnInsert": {"floor": 0}}, upsert=True)
            return True
        except DuplicateKeyError:  # the filter did not match the stored copy: it is as new or newer
            return False

    def raise_floor(self, project_id: str, version: int) -> None:
        """A copy older than ``version`` is no longer served (an event named that version, or a
        command's answer could not be stored)."""
        if version <= 1:
            return  # no copy older than a project's first version can exist
        stored = self.collection.find_one({"_id": project_id}, {"version": 1, "floor": 1})
        if stored is not None and max(stored.get("version") or 0,
                                      stored.get("floor") or 0) >= version:
            return  # that copy, or any later one, is at least that new already
        self.collection.update_one({"_id": project_id},
                                   {"$max": {"floor": version}, "$setOnInsert": {"version": 0}},
                                   upsert=True)
