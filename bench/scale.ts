// Scale: G groups × M members over U users, written by the app in two bulk statements; then the
// real CLI (`node bin/rongsync.js …`, a child process under GNU time) runs each step against the
// emulator, which runs in its own process with its rate limit off (the figures are rongsync's own
// cost; at RongCloud's 100 calls/s, calls ÷ 100 is the wall time to expect). One JSON line per step:
//
//   copy   COPY (groups ⋈ group_members) TO STDOUT through psql: the floor, reading the rows once
//   plan   `rongsync plan` from the change log (nothing remote yet; nothing written)
//   apply  `rongsync apply` until the change log is empty (one run takes at most 50 000 groups)
//   full   `rongsync apply --full`: reads every group back (getMembers + name reads), fixes nothing
//
// Fields: wall_s, calls (emulator requests), calls_per_s, peak_rss_mib and cpu_s of the rongsync
// process alone, emulator_cpu_s (what the emulator took of the same machine), db_active_s (pg_stat_database.active_time delta of the bench database),
// stdout_bytes/lines, runs, checked, series ([seconds, calls so far, drift items so far] every 10 s:
// flat or slowing).
//
//   npx tsx bench/scale.ts --groups 20000 --members 30 --users 20000 --sync on
//   options: --sync on|off|both  --steps copy,plan,apply,full  --json  --concurrency 16
//            --latency MS (emulator)  --node-flags "--cpu-prof --cpu-prof-dir=DIR"  --keep
//            --profile DIR [--profile-kind cpu|heap|both] [--stop-after S]: profile each step's
//            process (bench/profile-preload.mjs), ending it after S seconds if still running;
//            --profile-steps full,… profiles only those steps
//            --show-stderr (the end of each step process's stderr, e.g. with
//            --node-flags=--import=./bench/count-queries-preload.mjs)
//            --drop-templates (remove cached data templates and exit)
//
// The data is built once per shape into a template database (kept: `--drop-templates` removes
// them) and cloned for every sync variant, so `--sync both` measures both from the same start.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cloneBenchDatabase, dbActiveSeconds, dropTemplates, type BenchDatabase } from './database.js';
import { cpuOf, runCli, startEmulatorProcess, rssOf, type EmulatorProcess } from './processes.js';

const { values: opt } = parseArgs({
  options: {
    groups: { type: 'string', default: '20000' },
    members: { type: 'string', default: '30' },
    users: { type: 'string' },
    sync: { type: 'string', default: 'on' },
    steps: { type: 'string', default: 'copy,plan,apply,full' },
    json: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '16' },
    latency: { type: 'string', default: '0' },
    'node-flags': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'profile-kind': { type: 'string', default: 'cpu' },
    'profile-steps': { type: 'string' },
    'stop-after': { type: 'string' },
    'show-stderr': { type: 'boolean', default: false },
    'drop-templates': { type: 'boolean', default: false },
  },
});

if (opt['drop-templates']) {
  console.log(`dropped: ${(await dropTemplates()).join(', ') || 'none'}`);
  process.exit(0);
}

const G = Number(opt.groups);
const M = Number(opt.members);
const U = Number(opt.users ?? opt.groups);
const variants = opt.sync === 'both' ? [true, false] : [opt.sync !== 'off'];
const steps = new Set(opt.steps.split(','));
const nodeFlags = opt['node-flags'].split(' ').filter(Boolean);
const profiled = (step: string) => opt.profile !== undefined && (!opt['profile-steps'] || opt['profile-steps'].split(',').includes(step));
const shape = { groups: G, members: M, users: U };

function say(line: string): void {
  if (!opt.json) console.log(line);
}

function emit(step: string, fields: Record<string, unknown>): void {
  const out = { step, ...shape, cli: process.env['RS_BENCH_CLI_ROOT'] ?? 'this checkout', ...fields, load1: Number(loadavg()[0]!.toFixed(2)), at: new Date().toISOString() };
  console.log(JSON.stringify(out));
}

/** The app's data: every user in about M·G/U groups (exactly M when U = G and gcd(7919, U) = 1). */
async function fill(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query(`INSERT INTO groups (id, name) SELECT 'g' || i, 'Group ' || i FROM generate_series(1, ${G}) i`);
  await c.query(
    `INSERT INTO group_members (group_id, user_id)
     SELECT DISTINCT 'g' || i, 'u' || ((i::bigint * 7919 + j * 104729) % ${U})
       FROM generate_series(1, ${G}) i, generate_series(1, ${M}) j`,
  );
  // A long-lived app database has been analysed by autovacuum; a fresh bulk insert has not.
  await c.query('VACUUM ANALYZE');
  say(`built the data: ${G} groups × ${M} members over ${U} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await c.end();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** The COPY floor: every (group, name, member) row once, through psql, discarded. */
async function copyStep(db: BenchDatabase): Promise<void> {
  const before = await dbActiveSeconds(db.name);
  const t0 = performance.now();
  const bytes = await new Promise<number>((resolve, reject) => {
    const p = spawn('psql', [db.url, '-qAt', '-c', 'COPY (SELECT g.id, g.name, m.user_id FROM groups g JOIN group_members m ON m.group_id = g.id) TO STDOUT'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let n = 0;
    p.stdout.on('data', (b: Buffer) => (n += b.length));
    p.on('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`psql exited ${code}`))));
  });
  const wall = (performance.now() - t0) / 1000;
  const active = (await dbActiveSeconds(db.name)) - before;
  say(`copy floor: ${wall.toFixed(2)} s, ${(bytes / 1024 / 1024).toFixed(0)} MiB`);
  emit('copy', { wall_s: round(wall), db_active_s: round(active), stdout_bytes: bytes });
}

/** Planned calls by kind over the runs after `runBefore` (from each run's details). */
async function plannedCalls(url: string, runBefore: number): Promise<Record<string, number>> {
  const rows = await query<{ k: string; n: string }>(
    url,
    `SELECT k, sum(v::int) AS n FROM rongsync_runs, jsonb_each_text(details->'plannedCalls') AS e(k, v) WHERE id > ${runBefore} GROUP BY k`,
  );
  return Object.fromEntries(rows.filter((r) => Number(r.n) > 0).map((r) => [r.k, Number(r.n)]));
}

const round = (x: number, d = 2) => Number(x.toFixed(d));

async function cliStep(step: string, db: BenchDatabase, emu: EmulatorProcess, sync: boolean, args: string[], untilDrained: boolean): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    DATABASE_URL: db.url,
    RONGCLOUD_APP_KEY: 'k',
    RONGCLOUD_APP_SECRET: 's',
    RONGCLOUD_API_URL: emu.url,
    RONGCLOUD_RATE_LIMIT: '100000',
    RONGCLOUD_CONCURRENCY: opt.concurrency,
    RONGSYNC_SYNC_CALLS: String(sync),
    LOG_LEVEL: 'warn',
    ...(profiled(step) ? { RS_PROFILE_DIR: opt.profile, RS_PROFILE: opt['profile-kind'] } : {}),
  };
  const lastRun = async () => Number((await query<{ id: number | null }>(db.url, 'SELECT max(id) AS id FROM rongsync_runs'))[0]?.id ?? 0);
  const pending = async () => Number((await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM rongsync_changes'))[0]!.n);
  const runBefore = await lastRun();
  const activeBefore = await dbActiveSeconds(db.name);
  const callsBefore = await emu.total();
  const emuCpuBefore = cpuOf(emu.pid);
  const t0 = performance.now();
  // [seconds, calls so far, drift items written so far]: a run writes its items batch by batch, so
  // the third number shows the pace of a step that makes no calls (plan).
  const series: Array<[number, number, number]> = [];
  const sampler = setInterval(() => {
    void Promise.all([emu.total(), query<{ n: string }>(db.url, `SELECT count(*) AS n FROM rongsync_drift_items WHERE run_id > ${runBefore}`)]).then(
      ([n, [items]]) => series.push([Math.round((performance.now() - t0) / 1000), n - callsBefore, Number(items!.n)]),
    );
  }, 10_000);
  let wall = 0;
  let peak = 0;
  let cpu = 0;
  let bytes = 0;
  let lines = 0;
  let runs = 0;
  let stopped = false;
  const exits: number[] = [];
  try {
    for (;;) {
      const flags = profiled(step) ? [...nodeFlags, '--import', new URL('./profile-preload.mjs', import.meta.url).pathname] : nodeFlags;
      const m = await runCli(args, env, { nodeFlags: flags, ...(opt['stop-after'] ? { stopAfterS: Number(opt['stop-after']) } : {}) });
      stopped ||= m.stopped;
      if (opt['show-stderr']) process.stderr.write(m.stderrTail);
      runs++;
      wall += m.wallS;
      peak = Math.max(peak, m.peakRssMiB);
      cpu += m.cpuS;
      bytes += m.stdoutBytes;
      lines += m.stdoutLines;
      exits.push(m.exitCode);
      if (stopped) break;
      // 1 = some groups failed (reported below, with the run's error); anything else is a crash.
      if (m.exitCode === 1) process.stderr.write(`${step}: exit 1\n${m.stderrTail}\n${m.stdoutTail}\n`);
      else if (m.exitCode !== 0 && m.exitCode !== 2) throw new Error(`${step}: exit ${m.exitCode}\n${m.stderrTail}`);
      if (!untilDrained || (await pending()) === 0 || runs > G / 50_000 + 2) break;
    }
  } finally {
    clearInterval(sampler);
  }
  const calls = (await emu.total()) - callsBefore;
  const active = (await dbActiveSeconds(db.name)) - activeBefore;
  const [r] = await query<{ checked: string; fixed: string; failed: string; errors: string[] }>(
    db.url,
    `SELECT coalesce(sum(groups_checked), 0) AS checked, coalesce(sum(fixed), 0) AS fixed, coalesce(sum(failed), 0) AS failed,
            coalesce(array_agg(error) FILTER (WHERE error IS NOT NULL), '{}') AS errors
       FROM rongsync_runs WHERE id > ${runBefore}`,
  );
  const emuRss = rssOf(emu.pid);
  say(
    `${step} (sync ${sync ? 'on' : 'off'}): ${wall.toFixed(1)} s in ${runs} run(s), ${calls} calls (${(calls / wall).toFixed(0)}/s), ` +
      `peak RSS ${peak.toFixed(0)} MiB, CPU ${cpu.toFixed(1)} s, db active ${active.toFixed(1)} s, stdout ${lines} lines`,
  );
  emit(step, {
    sync,
    concurrency: Number(opt.concurrency),
    latency_ms: Number(opt.latency),
    wall_s: round(wall),
    calls,
    calls_per_s: round(calls / wall, 0),
    peak_rss_mib: round(peak, 0),
    cpu_s: round(cpu, 1),
    db_active_s: round(active, 1),
    stdout_bytes: bytes,
    stdout_lines: lines,
    runs,
    exit_codes: exits,
    ...(stopped ? { stopped_after_s: Number(opt['stop-after']) } : {}),
    planned: await plannedCalls(db.url, runBefore),
    checked: Number(r!.checked),
    fixed: Number(r!.fixed),
    failed: Number(r!.failed),
    ...(r!.errors.length > 0 ? { errors: r!.errors } : {}),
    emulator_rss_mib: round(emuRss.nowMiB, 0),
    emulator_cpu_s: round(cpuOf(emu.pid) - emuCpuBefore, 1),
    series,
  });
}

const emu = await startEmulatorProcess({ rateLimit: 0, latencyMs: Number(opt.latency) });
say(`emulator (pid ${emu.pid}) at ${emu.url}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  for (const [i, sync] of variants.entries()) {
    const db = await cloneBenchDatabase(`${G}_${M}_${U}`, fill);
    say(`database ${db.name}${db.built ? ' (template built now)' : ' (cloned from the template)'}`);
    try {
      await emu.reset();
      if (Number(opt.latency) > 0) await emu.setFaults({ latencyMs: Number(opt.latency) });
      if (i === 0 && steps.has('copy')) await copyStep(db);
      if (steps.has('plan')) await cliStep('plan', db, emu, sync, ['plan'], false);
      if (steps.has('apply')) await cliStep('apply', db, emu, sync, ['apply'], true);
      if (steps.has('full')) await cliStep('full', db, emu, sync, ['apply', '--full'], false);
    } finally {
      if (opt.keep) say(`kept ${db.url}`);
      else await db.drop();
    }
  }
} finally {
  await emu.close();
}
