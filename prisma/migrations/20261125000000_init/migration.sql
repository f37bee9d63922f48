-- rongsync initial schema.
-- Public tables (groups, group_members) are the application's contract; rongsync_* are internal.
-- Constraint and index names follow Prisma's conventions so `prisma migrate diff` agrees.

-- ─── Public tables: written by the application ─────────────────────────────────────────────────

CREATE TABLE "groups" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "owner_id" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "groups_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "group_members" (
    "group_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "group_members_pkey" PRIMARY KEY ("group_id", "user_id")
);

CREATE INDEX "group_members_user_id_idx" ON "group_members"("user_id");

-- ON UPDATE CASCADE: an app that renames a group id moves its members with it (old id dismissed,
-- new id created remotely).
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_fkey"
    FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ─── Internal tables ───────────────────────────────────────────────────────────────────────────

CREATE TABLE "rongsync_changes" (
    "id" BIGSERIAL NOT NULL,
    "group_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rongsync_changes_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rongsync_changes_group_id_idx" ON "rongsync_changes"("group_id");

CREATE TABLE "rongsync_remote_groups" (
    "group_id" TEXT NOT NULL,
    "name" TEXT,
    "members" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "member_count" INTEGER NOT NULL DEFAULT 0,
    "members_hash" TEXT NOT NULL,
    "created_by_rongsync" BOOLEAN NOT NULL DEFAULT false,
    "read_at" TIMESTAMPTZ(6),
    "written_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rongsync_remote_groups_pkey" PRIMARY KEY ("group_id")
);
CREATE INDEX "rongsync_remote_groups_read_at_idx" ON "rongsync_remote_groups"("read_at");
CREATE INDEX "rongsync_remote_groups_members_idx" ON "rongsync_remote_groups" USING GIN ("members");

CREATE TABLE "rongsync_group_state" (
    "group_id" TEXT NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "additive" BOOLEAN NOT NULL DEFAULT false,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6),
    "last_error_code" INTEGER,
    "last_error" TEXT,
    "quarantined_at" TIMESTAMPTZ(6),
    "quarantine_reason" TEXT,
    "drift_first_seen_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rongsync_group_state_pkey" PRIMARY KEY ("group_id")
);

CREATE TABLE "rongsync_runs" (
    "id" SERIAL NOT NULL,
    "trigger" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),
    "duration_ms" INTEGER,
    "groups_checked" INTEGER NOT NULL DEFAULT 0,
    "in_sync" INTEGER NOT NULL DEFAULT 0,
    "drifted" INTEGER NOT NULL DEFAULT 0,
    "fixed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "unreconcilable" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "unknown" INTEGER NOT NULL DEFAULT 0,
    "calls" JSONB NOT NULL DEFAULT '{}',
    "details" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    CONSTRAINT "rongsync_runs_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rongsync_runs_started_at_idx" ON "rongsync_runs"("started_at");

CREATE TABLE "rongsync_drift_items" (
    "id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "group_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "missing_members" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "extra_members" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "desired_name" TEXT,
    "remote_name" TEXT,
    "reason" TEXT,
    "error_code" INTEGER,
    "first_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "rongsync_drift_items_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rongsync_drift_items_run_id_idx" ON "rongsync_drift_items"("run_id");
CREATE INDEX "rongsync_drift_items_group_id_idx" ON "rongsync_drift_items"("group_id");
ALTER TABLE "rongsync_drift_items" ADD CONSTRAINT "rongsync_drift_items_run_id_fkey"
    FOREIGN KEY ("run_id") REFERENCES "rongsync_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "rongsync_remote_calls" (
    "id" BIGSERIAL NOT NULL,
    "run_id" INTEGER,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endpoint" TEXT NOT NULL,
    "group_id" TEXT,
    "user_id" TEXT,
    "host" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "http_status" INTEGER,
    "code" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "error" TEXT,
    CONSTRAINT "rongsync_remote_calls_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "rongsync_remote_calls_run_id_idx" ON "rongsync_remote_calls"("run_id");
CREATE INDEX "rongsync_remote_calls_at_idx" ON "rongsync_remote_calls"("at");
ALTER TABLE "rongsync_remote_calls" ADD CONSTRAINT "rongsync_remote_calls_run_id_fkey"
    FOREIGN KEY ("run_id") REFERENCES "rongsync_runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ─── Change capture ────────────────────────────────────────────────────────────────────────────
-- Statement-level triggers with transition tables: a bulk statement costs one INSERT … SELECT
-- into the change log (one row per distinct group), not one trigger call per row. Everything is
-- transactional: a rolled-back app transaction leaves no change rows and sends no NOTIFY.
--
-- NOTIFY is only a wake-up (the log is the durable record). Postgres folds identical
-- notifications within a transaction, so per-group payloads are sent only while a statement
-- touches few groups; beyond that a single '*' says "read the log". An overlong id is never put
-- in a payload (pg_notify fails above 8000 bytes and would abort the app's write).

CREATE FUNCTION "rongsync_record_changes"(p_ids TEXT[], p_source TEXT, p_op TEXT)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_id TEXT;
    v_count INTEGER := coalesce(cardinality(p_ids), 0);
BEGIN
    IF v_count = 0 THEN
        RETURN;
    END IF;
    INSERT INTO "rongsync_changes" ("group_id", "source", "op")
        SELECT u, p_source, p_op FROM unnest(p_ids) AS u;
    IF v_count <= 64 THEN
        FOREACH v_id IN ARRAY p_ids LOOP
            IF octet_length(v_id) <= 1000 THEN
                PERFORM pg_notify('rongsync_changes', v_id);
            ELSE
                PERFORM pg_notify('rongsync_changes', '*');
            END IF;
        END LOOP;
    ELSE
        PERFORM pg_notify('rongsync_changes', '*');
    END IF;
END;
$$;

CREATE FUNCTION "rongsync_capture_groups"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_ids TEXT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n."id") INTO v_ids FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Both sides: an id change dismisses the old id and creates the new one.
        SELECT array_agg(DISTINCT x) INTO v_ids FROM (
            SELECT o."id" AS x FROM old_rows o UNION SELECT n."id" FROM new_rows n) s;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o."id") INTO v_ids FROM old_rows o;
    ELSIF TG_OP = 'TRUNCATE' THEN
        -- BEFORE TRUNCATE: the rows are still visible. Remote-known groups too (their rows may
        -- already be gone from a previous delete that was not reconciled yet).
        SELECT array_agg(DISTINCT x) INTO v_ids FROM (
            SELECT g."id" AS x FROM "groups" g
            UNION SELECT r."group_id" FROM "rongsync_remote_groups" r) s;
    END IF;
    PERFORM "rongsync_record_changes"(v_ids, TG_TABLE_NAME, TG_OP);
    RETURN NULL;
END;
$$;

CREATE FUNCTION "rongsync_capture_group_members"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_ids TEXT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n."group_id") INTO v_ids FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT x) INTO v_ids FROM (
            SELECT o."group_id" AS x FROM old_rows o UNION SELECT n."group_id" FROM new_rows n) s;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o."group_id") INTO v_ids FROM old_rows o;
    ELSIF TG_OP = 'TRUNCATE' THEN
        SELECT array_agg(DISTINCT x) INTO v_ids FROM (
            SELECT m."group_id" AS x FROM "group_members" m
            UNION SELECT r."group_id" FROM "rongsync_remote_groups" r) s;
    END IF;
    PERFORM "rongsync_record_changes"(v_ids, TG_TABLE_NAME, TG_OP);
    RETURN NULL;
END;
$$;

-- Transition tables allow one event per trigger, hence three triggers per table plus TRUNCATE.
CREATE TRIGGER "rongsync_groups_insert" AFTER INSERT ON "groups"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_groups"();
CREATE TRIGGER "rongsync_groups_update" AFTER UPDATE ON "groups"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_groups"();
CREATE TRIGGER "rongsync_groups_delete" AFTER DELETE ON "groups"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_groups"();
CREATE TRIGGER "rongsync_groups_truncate" BEFORE TRUNCATE ON "groups"
    FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_groups"();

CREATE TRIGGER "rongsync_group_members_insert" AFTER INSERT ON "group_members"
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_group_members"();
CREATE TRIGGER "rongsync_group_members_update" AFTER UPDATE ON "group_members"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_group_members"();
CREATE TRIGGER "rongsync_group_members_delete" AFTER DELETE ON "group_members"
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_group_members"();
CREATE TRIGGER "rongsync_group_members_truncate" BEFORE TRUNCATE ON "group_members"
    FOR EACH STATEMENT EXECUTE FUNCTION "rongsync_capture_group_members"();
