-- Certainty under failure:
-- * rongsync_in_doubt: a group whose remote write may have landed without being recorded (a kill,
--   a lost leader, a timed-out call). Marked before the write is sent, cleared in the transaction
--   that records the write in the shadow; a run reads such a group from RongCloud before planning.
-- * rongsync_group_state.last_status / last_reason / checked_at: what the last run concluded about
--   each group, so "known drift" (failed, quarantined, held, unreadable…) is one query away.
-- * rongsync_runs.heartbeat_at: the last sign of life of a run, for marking abandoned runs
--   `interrupted` with when they were last seen.
-- AlterTable
ALTER TABLE "rongsync_group_state" ADD COLUMN     "checked_at" TIMESTAMPTZ(6),
ADD COLUMN     "last_reason" TEXT,
ADD COLUMN     "last_status" TEXT;

-- AlterTable
ALTER TABLE "rongsync_runs" ADD COLUMN     "heartbeat_at" TIMESTAMPTZ(6);

-- CreateTable
CREATE TABLE "rongsync_in_doubt" (
    "group_id" TEXT NOT NULL,
    "run_id" INTEGER,
    "pending" INTEGER NOT NULL,
    "calls" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "marked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rongsync_in_doubt_pkey" PRIMARY KEY ("group_id")
);

-- CreateIndex
CREATE INDEX "rongsync_group_state_last_status_idx" ON "rongsync_group_state"("last_status");
