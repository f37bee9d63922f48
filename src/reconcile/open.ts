// Wires the real parts together for the CLI: one database pool, one remote client (one rate
// budget for the whole process) whose every attempt lands in the call log.
import type { Config } from '../config/load.js';
import { openDatabase, type Database } from '../db/client.js';
import type { Logger } from '../log/logger.js';
import { GroupClient } from '../remote/group-client.js';
import { CallLog } from './call-log.js';
import { sessionRunLock } from './run-lock.js';
import type { ReconcileDeps } from './run.js';

export interface Reconciler {
  deps: ReconcileDeps;
  db: Database;
  client: GroupClient;
  close(): Promise<void>;
}

export function openReconciler(config: Config, logger: Logger): Reconciler {
  const db = openDatabase(config.databaseUrl);
  const callLog = new CallLog(db.prisma, logger);
  let client: GroupClient;
  try {
    client = GroupClient.fromConfig(config, { onAttempt: callLog.record });
  } catch (e) {
    void db.close();
    throw e;
  }
  return {
    deps: { prisma: db.prisma, remote: client, callLog, config, logger, runLock: sessionRunLock(config.databaseUrl, logger) },
    db,
    client,
    async close() {
      await callLog.flush();
      client.close();
      await db.close();
    },
  };
}
