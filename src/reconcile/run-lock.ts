// Runs never overlap — not only the leader's own runs (its queue does that) but a manual
// `rongsync apply` / `plan` next to a running `serve`, or two manual runs. Two overlapping runs
// would plan from the same shadow and issue the same calls twice, and a read of one could
// overwrite the shadow after a write of the other. A session advisory lock on a connection held
// for the whole run serializes them; the second run waits (abortable) and says why.
import type pg from 'pg';
import type { Logger } from '../log/logger.js';

/** Advisory lock key of a reconcile run ("rongsync" + 1; the leader lock is 0x726f6e67). */
export const RUN_LOCK_KEY = 0x726f6e68;

export interface RunLock {
  /** Resolves with the release function once no other run holds the lock. */
  acquire(signal?: AbortSignal): Promise<() => Promise<void>>;
}

export function poolRunLock(pool: pg.Pool, logger: Logger, pollMs = 250): RunLock {
  return {
    async acquire(signal) {
      const client = await pool.connect();
      try {
        let told = false;
        for (;;) {
          const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RUN_LOCK_KEY]);
          if (rows[0]?.ok) break;
          if (!told) {
            logger.info('another reconcile run is in progress (serve or another apply/plan); waiting for it to finish');
            told = true;
          }
          if (signal?.aborted) throw new Error('run aborted while waiting for the run in progress');
          await new Promise((r) => setTimeout(r, pollMs));
        }
      } catch (e) {
        client.release();
        throw e;
      }
      return async () => {
        try {
          await client.query('SELECT pg_advisory_unlock($1)', [RUN_LOCK_KEY]);
          client.release();
        } catch (e) {
          client.release(e instanceof Error ? e : true); // a connection in doubt is not reused (its session ends, and the lock with it)
        }
      };
    },
  };
}
