"""A local store left behind by a killed run comes back with `infra.sh up` (what `make infra` runs).

A second stack of deploy/local/infra.sh in a folder of its own (INFRA_VAR_DIR, free ports; the
broker is the suite's, so `up` starts only PostgreSQL and FerretDB): kill -9 of the postmaster and
of FerretDB leaves a stale postmaster.pid, orphaned backends and a stale FerretDB pid file. `up`
must start both again, with the data and the revision guard intact.
"""
import os
import signal
import subprocess
import time

import pymongo
import pytest
from pymongo.errors import OperationFailure

from services.common.guarded import guard, is_refused_write
from tests.conftest import ROOT
from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, pid_alive, postmaster_pid, wait_for
from tests.support.fault_ledger import NOTES

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]


def test_kill9_of_postgresql_and_ferretdb_is_recovered_by_infra_up(fault_infra):
    var = os.path.join(fault_infra.base, "recovery")
    mongo_port = free_port()
    env = {**os.environ, "INFRA_VAR_DIR": var, "INFRA_PG_PORT": str(free_port()),
           "INFRA_MONGO_PORT": str(mongo_port), "INFRA_FERRETDB_DEBUG_ADDR": "-",
           "AMQP_URI": fault_infra.amqp_uri, "FERRETDB_BIN": fault_infra.store.binary,
           "PYTHON": os.path.join(ROOT, ".venv", "bin", "python")}
    env.pop("MONGO_URI", None)
    env.pop("STORE_BACKEND", None)

    def infra(command):
        return subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "infra.sh"), command],
                              env=env, capture_output=True, text=True, timeout=240)

    def ferretdb_pid():
        with open(os.path.join(var, "run", "ferretdb.pid")) as f:
            return int(f.read().strip())

    first = infra("up")
    try:
        assert first.returncode == 0, first.stdout + first.stderr
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{mongo_port}/",
                                     serverSelectionTimeoutMS=5000)
        docs = guard(client["recovery"]).docs
        docs.insert_one({"_id": "kept", "n": 1})
        docs.update_one({"_id": "kept"}, {"$set": {"n": 2}})
        postmaster = postmaster_pid(os.path.join(var, "postgresql", "data"))
        ferretdb = ferretdb_pid()
        assert postmaster and pid_alive(ferretdb)

        os.kill(ferretdb, signal.SIGKILL)
        os.kill(postmaster, signal.SIGKILL)
        wait_for(lambda: not pid_alive(ferretdb) and not pid_alive(postmaster), 20, "both dead")
        assert os.path.exists(os.path.join(var, "postgresql", "data", "postmaster.pid"))
        began = time.monotonic()
        again = infra("up")
        took = time.monotonic() - began
        assert again.returncode == 0, again.stdout + again.stderr
        assert ferretdb_pid() != ferretdb and pid_alive(ferretdb_pid())

        assert docs.find_one({"_id": "kept"}) == {"_id": "kept", "n": 2, "_rev": 1}
        with pytest.raises(OperationFailure) as refused:  # the guard is still there
            docs.unguarded.update_one({"_id": "kept"}, {"$set": {"n": 3}})
        assert is_refused_write(refused.value)
        docs.update_one({"_id": "kept"}, {"$set": {"n": 3}})
        assert docs.find_one({"_id": "kept"})["n"] == 3
        status = infra("status")
        assert "postgres up" in status.stdout and "mongodb  up" in status.stdout, status.stdout
        NOTES.append(f"[recovery] kill -9 of PostgreSQL and FerretDB: infra.sh up brought both "
                     f"back in {took:.1f}s, data and guard intact")
        client.close()
    finally:
        down = infra("down")
        assert down.returncode == 0, down.stdout + down.stderr
