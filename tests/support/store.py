"""Which store the tests run against, and a psql client for FerretDB's PostgreSQL backend.

``make test`` starts FerretDB on the project-local PostgreSQL cluster (deploy/local/infra.sh);
its URI is ``STORE_POSTGRES_URI`` (``infra.sh env`` prints it), by default the cluster infra.sh
starts on 127.0.0.1:5433. The store is identified by asking: a database created through the
MongoDB wire protocol shows up in PostgreSQL as a schema of the same name.
"""
import os
import shutil
import subprocess

PSQL = next((p for p in ("/usr/lib/postgresql/15/bin/psql", shutil.which("psql") or "")
             if p and os.access(p, os.X_OK)), "")
DEFAULT_POSTGRES_URI = "postgresql://postgres@127.0.0.1:5433/ferretdb"


def postgres_uri() -> str:
    return os.environ.get("STORE_POSTGRES_URI") or DEFAULT_POSTGRES_URI


def psql(sql: str, uri: str | None = None) -> str:
    """Run ``sql`` with psql; its unaligned, tuples-only output."""
    result = subprocess.run([PSQL, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", uri or postgres_uri(),
                             "-c", sql], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PGCONNECT_TIMEOUT": "3"})
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def backend(db) -> str:
    """``mongodb``, ``ferretdb-postgresql`` (the schema of ``db`` is in STORE_POSTGRES_URI's
    database) or ``ferretdb-other`` (SQLite, or a PostgreSQL these tests cannot reach)."""
    if "ferretdbVersion" not in db.client.admin.command("buildInfo"):
        return "mongodb"
    db["_probe"].insert_one({})
    if not PSQL:
        return "ferretdb-other"
    try:
        found = psql(f"SELECT count(*) FROM pg_namespace WHERE nspname = '{db.name}'")
    except (RuntimeError, subprocess.TimeoutExpired):
        return "ferretdb-other"
    return "ferretdb-postgresql" if found == "1" else "ferretdb-other"


def collection_table(db, collection: str) -> str:
    """The PostgreSQL table (schema-qualified) FerretDB keeps ``collection`` of ``db`` in."""
    table = psql(f"SELECT _jsonb->>'table' FROM \"{db.name}\"._ferretdb_database_metadata "
                 f"WHERE _jsonb->>'_id' = '{collection}'")
    return f'"{db.name}"."{table}"'
