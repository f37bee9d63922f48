// Change latency: an app INSERT (one transaction: the group and a member) until the emulator
// receives the create call, with `serve`'s service in this process, default debounce (250 ms) and
// RongCloud's 100 calls/s limit on both sides.
//
//   npx tsx bench/change-latency.ts [samples=30] [debounceMs=250]
import pg from 'pg';
import { createBenchDatabase } from './database.js';
import { loadConfig } from '../src/config/load.js';
import { openDatabase } from '../src/db/client.js';
import { startEmulator } from '../src/emulator/index.js';
import { silentLogger } from '../src/log/logger.js';
import { CallLog } from '../src/reconcile/call-log.js';
import { ReconcileService } from '../src/reconcile/serve.js';
import { GroupClient } from '../src/remote/group-client.js';

const SAMPLES = Number(process.argv[2] ?? 30);
const DEBOUNCE = process.argv[3] ?? '250';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

const bench = await createBenchDatabase();
const url = bench.url;

const emulator = await startEmulator({ appKey: 'k', appSecret: 's', rateLimitPerSecond: 100 });
const config = loadConfig({ DATABASE_URL: url, RONGCLOUD_APP_KEY: 'k', RONGCLOUD_APP_SECRET: 's', RONGCLOUD_API_URL: emulator.url, RONGSYNC_DEBOUNCE_MS: DEBOUNCE });
const db = openDatabase(url);
const callLog = new CallLog(db.prisma, silentLogger);
const client = GroupClient.fromConfig(config, { onAttempt: callLog.record });
const service = new ReconcileService({ prisma: db.prisma, remote: client, callLog, config, logger: silentLogger }, { databaseUrl: url });
await service.start();
await new Promise<void>((r) => service.once('run', () => r())); // the catch-up run at leadership

const app = new pg.Client({ connectionString: url });
await app.connect();
const latencies: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const id = `lat${i}`;
  const t0 = performance.now();
  await app.query(`BEGIN; INSERT INTO groups (id, name) VALUES ('${id}', 'L'); INSERT INTO group_members VALUES ('${id}', 'u'); COMMIT;`);
  for (;;) {
    if (emulator.state().groups[id]?.members.length) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  latencies.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 50));
}
console.log(`change latency (INSERT commit → emulator holds the group), ${SAMPLES} samples, debounce ${DEBOUNCE} ms`);
console.log(`p50 ${pct(latencies, 50).toFixed(0)} ms, p95 ${pct(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);

await app.end();
await service.stop();
client.close();
await db.close();
await emulator.close();
await bench.drop();
