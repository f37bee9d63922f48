// Quota: a backlog of N calls (N new one-member groups → N creates) drained by `rongsync apply`
// (the real CLI, a child process, default RONGCLOUD_RATE_LIMIT=100) against the emulator at
// RongCloud's own limit (100 requests per sliding second, answering 1008 beyond it). Reports the
// calls per second the emulator saw between the first and the last call and how many of them it
// refused with 1008 — every one of those is self-inflicted, nothing else calls the emulator.
//
//   npx tsx bench/quota.ts [--calls 3000] [--latency MS] [--json]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createBenchDatabase } from './database.js';
import { runCli } from './processes.js';
import { startEmulator } from '../src/emulator/index.js';

const { values: opt } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    latency: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(opt.calls);

const bench = await createBenchDatabase();
const emulator = await startEmulator({ appKey: 'k', appSecret: 's', rateLimitPerSecond: 100, faults: { latencyMs: Number(opt.latency) } });
try {
  const app = new pg.Client({ connectionString: bench.url });
  await app.connect();
  await app.query(`INSERT INTO groups (id, name) SELECT 'q' || i, 'Q' || i FROM generate_series(1, ${N}) i`);
  await app.query(`INSERT INTO group_members (group_id, user_id) SELECT 'q' || i, 'u' || i FROM generate_series(1, ${N}) i`);
  await app.end();

  const m = await runCli(['apply'], {
    PATH: process.env['PATH'],
    DATABASE_URL: bench.url,
    RONGCLOUD_APP_KEY: 'k',
    RONGCLOUD_APP_SECRET: 's',
    RONGCLOUD_API_URL: emulator.url,
    LOG_LEVEL: 'warn',
  });
  if (m.exitCode !== 0) throw new Error(`apply exited ${m.exitCode}: ${m.stderrTail}`);
  const calls = emulator.calls();
  const refused = calls.filter((c) => c.code === 1008).length;
  const span = (calls.at(-1)!.at - calls[0]!.at) / 1000;
  // Where the pace drops: the longest pause between two calls, and the calls of each second.
  let maxGap = 0;
  for (let i = 1; i < calls.length; i++) maxGap = Math.max(maxGap, calls[i]!.at - calls[i - 1]!.at);
  const perSecond = new Map<number, number>();
  for (const c of calls) perSecond.set(Math.floor((c.at - calls[0]!.at) / 1000), (perSecond.get(Math.floor((c.at - calls[0]!.at) / 1000)) ?? 0) + 1);
  const seconds = [...Array(Math.ceil(span)).keys()].map((k) => perSecond.get(k) ?? 0);
  const out = {
    bench: 'quota',
    backlog: N,
    latency_ms: Number(opt.latency),
    calls: calls.length,
    refused_1008: refused,
    calls_per_s: Number(((calls.length - 1) / span).toFixed(1)),
    accepted_per_s: Number(((calls.length - refused - 1) / span).toFixed(1)),
    span_s: Number(span.toFixed(1)),
    max_gap_ms: maxGap,
    per_second: seconds,
    wall_s: Number(m.wallS.toFixed(1)),
    groups_created: emulator.state() && Object.keys(emulator.state().groups).length,
  };
  if (!opt.json) {
    console.log(
      `${N}-call backlog at the emulator's 100/s: ${out.calls_per_s} calls/s over ${out.span_s} s, ${refused} refused with 1008, ` +
        `${out.groups_created} groups created; apply took ${out.wall_s} s (process start included)`,
    );
  }
  console.log(JSON.stringify(out));
} finally {
  await emulator.close();
  await bench.drop();
}
