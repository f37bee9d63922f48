-- The shadow's member-array index answers "which groups hold this user?" — once per user of a batch
-- when the reconciler checks who may be synced, and once per per-user sync. With GIN's fast update
-- (the default) new entries first go to an unsorted pending list of up to gin_pending_list_limit
-- (4 MB), and EVERY search reads that whole list: while a large initial load writes the shadow,
-- each lookup read ~490 pages, and one batch's 10 900 lookups took 20+ s instead of well under one.
-- Without fast update each write puts its entries straight into the index.
ALTER INDEX "rongsync_remote_groups_members_idx" SET (fastupdate = off);
-- Entries already in the pending list stay there until cleaned: move them into the index now.
SELECT gin_clean_pending_list('"rongsync_remote_groups_members_idx"'::regclass);
