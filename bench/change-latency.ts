// Change latency: an app INSERT (one transaction: a new group and its member) until the emulator
// receives the group's create call. `rongsync serve` runs as a child process (the real CLI, default
// debounce unless --debounce); the emulator runs in this process at RongCloud's 100 calls/s, so the
// arrival time is the emulator's own timestamp of the request.
//
//   idle   samples spaced by a quiet gap longer than the debounce (the first change after a pause)
//   busy   the same while another connection commits --rate single-member INSERTs a second into
//          50 existing groups (each an invite), as an app does all day
//
//   npx tsx bench/change-latency.ts [--mode idle|busy|both] [--samples 60] [--rate 20]
//                                   [--debounce 50] [--json]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createBenchDatabase } from './database.js';
import { CLI, ROOT } from './processes.js';
import type { AdminTarget } from '../src/emulator/admin.js';
import { startEmulator } from '../src/emulator/index.js';

const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    samples: { type: 'string', default: '60' },
    rate: { type: 'string', default: '20' },
    debounce: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const SAMPLES = Number(opt.samples);
const modes = opt.mode === 'both' ? ['idle', 'busy'] : [opt.mode];
const BACKGROUND_GROUPS = 50;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The inspection methods (callsSince, groupCount) are on the object startEmulator returns.
const emulator = (await startEmulator({ appKey: 'k', appSecret: 's', rateLimitPerSecond: 100 })) as AdminTarget;

/** When the emulator received the create of `groupId`: its arrival timestamp (Date.now()). */
async function arrival(groupId: string, sinceSeq: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seq = sinceSeq;
  for (;;) {
    for (const c of emulator.callsSince(seq)) {
      seq = c.seq;
      if (c.path === '/group/create.json' && c.params['groupId']?.[0] === groupId && c.code === 200) return c.at;
    }
    if (Date.now() > deadline) throw new Error(`group ${groupId} never arrived`);
    await sleep(1);
  }
}
// Sequence numbers are handed out on arrival, one per counted request.
const lastSeq = () => emulator.counts()['total'] ?? 0;

async function measure(mode: string): Promise<void> {
  const bench = await createBenchDatabase();
  const app = new pg.Client({ connectionString: bench.url });
  await app.connect();
  // Existing groups the background writes go to (created remotely by serve's catch-up run).
  await app.query(`INSERT INTO groups (id, name) SELECT 'bg' || i, 'Background ' || i FROM generate_series(1, ${BACKGROUND_GROUPS}) i`);
  await app.query(`INSERT INTO group_members (group_id, user_id) SELECT 'bg' || i, 'seed' FROM generate_series(1, ${BACKGROUND_GROUPS}) i`);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    DATABASE_URL: bench.url,
    RONGCLOUD_APP_KEY: 'k',
    RONGCLOUD_APP_SECRET: 's',
    RONGCLOUD_API_URL: emulator.url,
    LOG_LEVEL: 'warn',
    ...(opt.debounce !== undefined ? { RONGSYNC_DEBOUNCE_MS: opt.debounce } : {}),
  };
  const serve = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  // Ready once the catch-up run has created the background groups.
  while (emulator.groupCount() < BACKGROUND_GROUPS) await sleep(20);
  await sleep(500);

  let writer: NodeJS.Timeout | undefined;
  let backgroundWrites = 0;
  const bg = new pg.Client({ connectionString: bench.url });
  await bg.connect();
  if (mode === 'busy') {
    const every = 1000 / Number(opt.rate);
    writer = setInterval(() => {
      const n = backgroundWrites++;
      void bg.query(`INSERT INTO group_members (group_id, user_id) VALUES ('bg${(n % BACKGROUND_GROUPS) + 1}', 'bu${n}')`);
    }, every);
    await sleep(1000);
  }

  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const id = `lat${i}`;
    const seq = lastSeq();
    const t0 = Date.now();
    await app.query(`BEGIN; INSERT INTO groups (id, name) VALUES ('${id}', 'L'); INSERT INTO group_members VALUES ('${id}', 'u'); COMMIT;`);
    latencies.push((await arrival(id, seq)) - t0);
    // A quiet gap longer than the debounce, at a random phase to any timer.
    await sleep(300 + Math.random() * 300);
  }
  clearInterval(writer);
  const bgCalls = emulator.counts()['/group/join.json'] ?? 0;
  const out = {
    bench: 'change-latency',
    mode,
    samples: SAMPLES,
    debounce_ms: Number(opt.debounce ?? 50),
    background_writes_per_s: mode === 'busy' ? Number(opt.rate) : 0,
    p50_ms: pct(latencies, 50),
    p99_ms: pct(latencies, 99),
    max_ms: Math.max(...latencies),
    min_ms: Math.min(...latencies),
    background_invites: bgCalls,
  };
  if (!opt.json) {
    console.log(
      `${mode}: INSERT commit → emulator has the group, ${SAMPLES} samples: p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms ` +
        `(min ${out.min_ms}, max ${out.max_ms})${mode === 'busy' ? `; ${backgroundWrites} background writes, ${bgCalls} invites` : ''}`,
    );
  }
  console.log(JSON.stringify(out));

  await new Promise<void>((resolve) => {
    serve.once('exit', () => resolve());
    serve.kill('SIGTERM');
  });
  await bg.end();
  await app.end();
  emulator.reset();
  await bench.drop();
}

try {
  for (const m of modes) await measure(m);
} finally {
  await emulator.close();
}
