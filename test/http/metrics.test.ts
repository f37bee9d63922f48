// /metrics on a real server after real runs against the emulator: valid Prometheus text, the
// counters and gauges docs/metrics.md lists (and only those), labels without ids, the 1008 counter
// and the limiter's slowdown, and a database outage reported rather than failing the scrape.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log/logger.js';
import { createRongsync, type Rongsync } from '../../src/rongsync.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { freePort, request } from './request.js';

let h: Harness;
let rs: Rongsync;
let server: HttpServer;

beforeAll(async () => {
  h = await createHarness();
  rs = createRongsync({ env: h.env });
  server = await createHttpServer(rs, null, { port: 0, metrics: { cacheMs: 0 } });
});
afterAll(async () => {
  await server.close();
  await rs.close();
  await h.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition strictly: every line is a comment, blank, or a valid sample. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      types.set(t[1]!, t[2]!);
      continue;
    }
    // Prometheus reads special values case-insensitively (Go's ParseFloat); prom-client writes
    // the event-loop lag of a sampler that has not ticked yet as "Nan".
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (-?[0-9.eE+-]+|[Nn][Aa][Nn]|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

async function scrape() {
  const r = await request(`${server.url}metrics`);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: r.text, ...parse(r.text) };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('/metrics', () => {
  it('counts runs and calls, reads the state gauges, and names no group or user', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('grp-PRIVATE-1', 'Private one'), ('grp-PRIVATE-2', 'Private two')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-1', 'usr-PRIVATE-alice'), ('grp-PRIVATE-2', 'usr-PRIVATE-bob')`);
    await rs.apply();
    await rs.pause(['grp-PRIVATE-2']);
    await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-2', 'usr-PRIVATE-carol')`);
    await rs.apply(); // leaves grp-PRIVATE-2 paused with drift
    await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-1', 'usr-PRIVATE-zed')`); // one group dirty

    const { text, samples, types } = await scrape();
    expect(text).not.toMatch(/PRIVATE/);
    expect(value(samples, 'rongsync_runs_total', { trigger: 'manual', status: 'succeeded' })).toBe(2);
    expect(value(samples, 'rongsync_runs_total', { trigger: 'cron', status: 'failed' })).toBe(0);
    expect(value(samples, 'rongsync_run_duration_seconds_count', { trigger: 'manual' })).toBe(2);
    expect(value(samples, 'rongsync_remote_calls_total', { endpoint: '/group/create.json', outcome: 'ok', code: '200' })).toBe(2);
    expect(value(samples, 'rongsync_remote_call_duration_seconds_count', { endpoint: '/group/create.json' })).toBe(2);
    expect(value(samples, 'rongsync_groups', { condition: 'in_sync' })).toBe(1);
    expect(value(samples, 'rongsync_groups', { condition: 'paused' })).toBe(1);
    expect(value(samples, 'rongsync_groups', { condition: 'quarantined' })).toBe(0);
    expect(value(samples, 'rongsync_dirty_groups')).toBe(1);
    expect(value(samples, 'rongsync_oldest_change_age_seconds')).toBeGreaterThan(0);
    expect(value(samples, 'rongsync_leader')).toBe(0);
    expect(value(samples, 'rongsync_database_up')).toBe(1);
    expect(value(samples, 'rongsync_remote_rate_limit_target_calls_per_second')).toBe(1000);
    // Node's default process metrics.
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(types.get('rongsync_run_duration_seconds')).toBe('histogram');
    // Conventions: counters end in _total, durations are in seconds.
    for (const [name, type] of types) {
      if (!name.startsWith('rongsync_')) continue;
      if (type === 'counter') expect(name).toMatch(/_total$/);
      if (name.includes('duration')) expect(name).toMatch(/_seconds$/);
    }
    // No label names an id.
    const labelNames = new Set(samples.filter((s) => s.name.startsWith('rongsync_')).flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(['code', 'condition', 'endpoint', 'le', 'outcome', 'status', 'trigger']);
  });

  it('counts 1008 answers and shows the limiter slowing down', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('grp-PRIVATE-3', 'Three')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-3', 'usr-PRIVATE-dave')`);
    h.emulator.setFaults({ rateLimitBurst: { count: 1, retryAfterSeconds: 0 } });
    await rs.apply();
    h.emulator.setFaults({});
    const { samples } = await scrape();
    expect(value(samples, 'rongsync_remote_rate_limited_total')).toBe(1);
    expect(value(samples, 'rongsync_remote_calls_total', { outcome: 'rate_limited', code: '1008' })).toBe(1);
    expect(value(samples, 'rongsync_remote_rate_limit_calls_per_second')).toBeLessThan(1000);
  });

  it('tells the log too: the library, which serve runs through, logs RongCloud\'s rate limiting', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const logged = createRongsync({ env: h.env, logger: createLogger({ level: 'info', destination: stream }) });
    try {
      await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-3', 'usr-PRIVATE-fay')`);
      h.emulator.setFaults({ rateLimitBurst: { count: 1, retryAfterSeconds: 0 } });
      await logged.apply();
    } finally {
      h.emulator.setFaults({});
      await logged.close();
    }
    const lines = text.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; code?: number });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, code: 1008, msg: expect.stringMatching(/^RongCloud is rate limiting \(1008\)/) }));
  });

  it('lists exactly the rongsync metrics docs/metrics.md documents', async () => {
    const { types } = await scrape();
    const served = [...types.keys()].filter((n) => n.startsWith('rongsync_')).sort();
    const doc = readFileSync('docs/metrics.md', 'utf8');
    const documented = [...new Set([...doc.matchAll(/^\| `(rongsync_[a-z_]+)`/gm)].map((m) => m[1]!))].sort();
    expect(documented).toEqual(served);
  });

  it('keeps answering when the database is down, with rongsync_database_up 0', async () => {
    const port = await freePort();
    const away = createRongsync({ env: { ...h.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nothing` } });
    const s = await createHttpServer(away, null, { port: 0 });
    try {
      const r = await request(`${s.url}metrics`);
      expect(r.status).toBe(200);
      const { samples } = parse(r.text);
      expect(value(samples, 'rongsync_database_up')).toBe(0);
      expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    } finally {
      await s.close();
      await away.close();
    }
  });

  it('keeps one registry per server: two servers in one process count alike', async () => {
    const second = await createHttpServer(rs, null, { port: 0 });
    try {
      const sum = (samples: Sample[]) => samples.filter((x) => x.name === 'rongsync_remote_calls_total').reduce((a, x) => a + x.value, 0);
      const before = sum((await scrape()).samples);
      const sent = h.emulator.calls().length;
      await h.t.sql(`INSERT INTO group_members VALUES ('grp-PRIVATE-1', 'usr-PRIVATE-erin')`);
      await rs.apply();
      const calls = h.emulator.calls().length - sent;
      expect(calls).toBeGreaterThan(0);
      expect(sum((await scrape()).samples) - before).toBe(calls);
      // The second server only counts what happened since it started.
      expect(sum(parse((await request(`${second.url}metrics`)).text).samples)).toBe(calls);
    } finally {
      await second.close();
    }
  });
});
