-- The owner of each group as rongsync last saw it in the tables, kept in the shadow so that a group
-- the app deleted is dismissed with its own owner as the operator (groups.owner_id is gone by then).
-- AlterTable
ALTER TABLE "rongsync_remote_groups" ADD COLUMN     "owner_id" TEXT;
