// Every Postgres advisory lock key rongsync takes, in one place, so that no two locks collide and
// an operator reading pg_locks (classid 0, objid = the key) can tell them apart.

/** The reconciler's leader (session lock, held by the leading `serve`): "rong" in ASCII. */
export const LEADER_LOCK_KEY = 0x726f6e67;

/** A reconcile run (session lock; runs never overlap across processes): the leader's key + 1. */
export const RUN_LOCK_KEY = 0x726f6e68;

/** Per-user sync writes to the shadow (transaction lock; overlapping syncs could deadlock): "rshs". */
export const SHADOW_SYNC_LOCK_KEY = 0x72736873;

/**
 * The key Prisma's schema engine takes around `migrate deploy`; `rongsync migrate` takes the same,
 * so it and `prisma migrate deploy` never run at once.
 */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;
