-- The store's own guarantees for FerretDB 1.x on PostgreSQL, installed into FerretDB's database
-- by deploy/local/infra.sh (and by the fault suite, which starts its store the same way) on every
-- `up`. Idempotent: running it again replaces the functions and re-attaches what is missing.
--
-- FerretDB keeps one schema per MongoDB database (holding the table _ferretdb_database_metadata)
-- and one table per collection with a single jsonb column _jsonb.
--
-- 1. Revision guard. FerretDB runs an update as a read, a change applied in Go, and a write of the
--    whole document, with nothing between the read and the write: two processes updating one
--    document can both "win" and one update is silently lost. Every update the platform makes
--    increments the document's storage revision `_rev` ($inc, see services/common/mongo.py), so a
--    write computed from a stale read carries stale + 1 = the stored revision. The row trigger
--    refuses any update whose new `_rev` is not the stored one + 1 (a missing `_rev` counts as 0),
--    and the loser's update fails (pymongo OperationFailure, message "platform_stale_revision");
--    the platform retries it or answers StaleVersion. The domain `version` stays the API's
--    optimistic-concurrency token and is not what the trigger looks at, so removing a published
--    outbox entry never changes what a client sees.
-- 2. Indexes that serve FerretDB's filters. FerretDB pushes top-level equality down as
--    `_jsonb -> 'field' @> value`, which its own B-tree expression indexes cannot serve. For every
--    B-tree index FerretDB creates on `_jsonb -> 'field'` (the _id index included) a GIN twin on
--    the same expression is created. PostgreSQL only matches the expression when the plan is built
--    with the parameter values, hence plan_cache_mode = force_custom_plan for the database.
--
-- Both are attached by an event trigger when FerretDB creates a table or an index later, and to
-- everything that already exists when this file runs.

CREATE OR REPLACE FUNCTION platform_guard_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stored numeric := coalesce((OLD._jsonb ->> '_rev')::numeric, 0);
    written numeric := coalesce((NEW._jsonb ->> '_rev')::numeric, 0);
BEGIN
    IF written <> stored + 1 THEN
        RAISE EXCEPTION 'platform_stale_revision: %.% _id % is at revision %, the update carries %',
            TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD._jsonb -> '_id', stored, written
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END
$$;

-- A collection table of FerretDB: in a schema that holds FerretDB's metadata table, with a _jsonb
-- column, and not the metadata table itself.
CREATE OR REPLACE FUNCTION platform_is_collection_table(rel oid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped
        WHERE c.oid = rel AND c.relkind = 'r'
          AND c.relname <> '_ferretdb_database_metadata'
          AND EXISTS (SELECT 1 FROM pg_class m
                      WHERE m.relnamespace = c.relnamespace
                        AND m.relname = '_ferretdb_database_metadata' AND m.relkind = 'r'))
$$;

CREATE OR REPLACE FUNCTION platform_guard_table(rel oid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF platform_is_collection_table(rel) AND NOT EXISTS (
            SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'platform_guard_revision') THEN
        EXECUTE format('CREATE TRIGGER platform_guard_revision BEFORE UPDATE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION platform_guard_revision()', rel::regclass);
    END IF;
END
$$;

-- For each key of a B-tree index that is `_jsonb -> 'field'`, a GIN index on that expression
-- (one per table and field, whichever FerretDB indexes name it).
CREATE OR REPLACE FUNCTION platform_gin_twins(idx oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tbl oid;
    n int;
    expr text;
    field text;
    twin text;
BEGIN
    SELECT i.indrelid, i.indnkeyatts INTO tbl, n
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
    WHERE i.indexrelid = idx AND am.amname = 'btree';
    IF tbl IS NULL OR NOT platform_is_collection_table(tbl) THEN
        RETURN;
    END IF;
    FOR k IN 1..n LOOP
        expr := pg_get_indexdef(idx, k, false);
        field := substring(expr FROM '^\(*_jsonb -> ''([^'']+)''::text\)*$');
        CONTINUE WHEN field IS NULL;
        twin := 'gin_' || substr(md5(tbl::text || ':' || field), 1, 16);
        IF NOT EXISTS (SELECT 1 FROM pg_class c
                       WHERE c.relname = twin
                         AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = tbl)) THEN
            EXECUTE format('CREATE INDEX %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops)',
                           twin, tbl::regclass, field);
        END IF;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION platform_guard_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    cmd record;
BEGIN
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands()
               WHERE command_tag IN ('CREATE TABLE', 'CREATE INDEX') LOOP
        IF cmd.command_tag = 'CREATE TABLE' THEN
            PERFORM platform_guard_table(cmd.objid);
        ELSE
            PERFORM platform_gin_twins(cmd.objid);
        END IF;
    END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS platform_guard_ddl;
CREATE EVENT TRIGGER platform_guard_ddl ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE INDEX')
    EXECUTE FUNCTION platform_guard_ddl();

-- What FerretDB created before this file ran (an older cluster, a restored dump).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.oid FROM pg_class c WHERE c.relkind = 'r' AND platform_is_collection_table(c.oid) LOOP
        PERFORM platform_guard_table(r.oid);
    END LOOP;
    FOR r IN SELECT i.indexrelid FROM pg_index i WHERE platform_is_collection_table(i.indrelid) LOOP
        PERFORM platform_gin_twins(r.indexrelid);
    END LOOP;
END
$$;

DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END
$$;
