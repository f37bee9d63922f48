-- Change capture runs as rongsync, not as the application.
--
-- The trigger functions of 20261125000000_init ran with the privileges of whoever wrote
-- "groups" / "group_members", so an application role with privileges only on those two tables got
-- "permission denied for table rongsync_changes" (and, on TRUNCATE, on rongsync_remote_groups) and
-- its own write failed. From here on the three functions run as their owner — the role that ran
-- the migrations — and the application's role needs no privilege on any rongsync_* object.
--
-- Only attributes change (ALTER FUNCTION): the function bodies, the triggers and the schema are
-- untouched, so behaviour is otherwise identical and Prisma (which does not model functions) sees
-- no schema difference.
--
-- search_path is pinned, because a SECURITY DEFINER function that resolves names through the
-- caller's search_path can be made to run the caller's objects with the owner's privileges. The
-- value is written out explicitly rather than `SET search_path FROM CURRENT`:
--   * the schema is current_schema() as this migration runs — the schema the init migration's
--     unqualified CREATE TABLEs went into (public, or the one a `?schema=` URL selects), so the
--     functions keep finding exactly the tables they found before;
--   * pg_temp is listed LAST. When pg_temp is not listed, Postgres searches it FIRST for tables,
--     so with FROM CURRENT (typically `"$user", public`) any session could shadow
--     rongsync_changes / groups / rongsync_remote_groups with a temporary table of that name and
--     divert or forge what the owner-privileged code reads and writes. FROM CURRENT would also
--     freeze "$user", which inside a SECURITY DEFINER function means the owner's schema.
--   * pg_catalog is not listed, so it is searched first (built-ins cannot be shadowed).
-- The DO block only formats that value; it fails if there is no current schema (nothing to pin).
DO $$
DECLARE
    v_schema TEXT := current_schema();
BEGIN
    IF v_schema IS NULL THEN
        RAISE EXCEPTION 'rongsync: no current schema to pin the change-capture functions to (check search_path)';
    END IF;
    EXECUTE format('ALTER FUNCTION "rongsync_record_changes"(TEXT[], TEXT, TEXT) SECURITY DEFINER SET search_path = %I, pg_temp', v_schema);
    EXECUTE format('ALTER FUNCTION "rongsync_capture_groups"() SECURITY DEFINER SET search_path = %I, pg_temp', v_schema);
    EXECUTE format('ALTER FUNCTION "rongsync_capture_group_members"() SECURITY DEFINER SET search_path = %I, pg_temp', v_schema);
END;
$$;

-- EXECUTE is not needed to fire a trigger: Postgres checks it on the trigger function only at
-- CREATE TRIGGER, never when the trigger fires. The capture functions call
-- rongsync_record_changes as their owner (SECURITY DEFINER), so that check is made against the
-- owner too. Left granted to PUBLIC, rongsync_record_changes would let any role that can connect
-- write arbitrary rows into the change log and send NOTIFYs with the owner's rights, and the
-- capture functions could be attached as owner-privileged triggers to other tables. The owner
-- keeps EXECUTE: rongsync's own `quarantine release` / `resume` call rongsync_record_changes
-- directly, with the same DATABASE_URL as `rongsync migrate`. If rongsync is run as another role
-- than the one that migrated, grant that role EXECUTE explicitly:
--   GRANT EXECUTE ON FUNCTION "rongsync_record_changes"(TEXT[], TEXT, TEXT) TO <rongsync role>;
REVOKE EXECUTE ON FUNCTION "rongsync_record_changes"(TEXT[], TEXT, TEXT) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION "rongsync_capture_groups"() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION "rongsync_capture_group_members"() FROM PUBLIC;
