// Summarises a V8 .cpuprofile (from bench/profile-preload.mjs or `node --cpu-prof`): self time by
// area (Prisma, the pg driver, the planner, each reconcile module, HTTP, GC, idle …) and the top
// functions. Idle is time the process waited (on Postgres, on the network).
//
//   npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 25] [--json]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values: opt, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, json: { type: 'boolean', default: false } }, allowPositionals: true });

/** The area a frame belongs to, from its script URL. */
export function areaOf(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle (waiting on I/O)';
  if (fn === '(program)') return 'V8/native (program)';
  if (/node_modules\/(@prisma|\.prisma)\//.test(url) || url.includes('/src/generated/prisma/') || url.startsWith('wasm://')) return 'Prisma client';
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-array|pg-cursor|pg-query-stream)\//.test(url)) return 'pg driver';
  if (url.includes('node_modules/ky/') || url.includes('undici') || url.includes('node:internal/webstreams') || url.includes('node:internal/deps/undici')) return 'HTTP (ky, fetch)';
  if (url.includes('node_modules/zod/')) return 'zod';
  if (url.includes('node_modules/pino') || url.includes('node_modules/thread-stream')) return 'logging';
  if (url.includes('node_modules/tsx/') || url.includes('node_modules/esbuild') || url.includes('node_modules/get-tsconfig')) return 'tsx (startup)';
  if (url.includes('node_modules/commander')) return 'cli';
  const src = /\/src\/(.+)$/.exec(url)?.[1];
  if (src?.startsWith('reconcile/plan/')) return 'planner (reconcile/plan)';
  if (src) return src.replace(/\.ts$/, '');
  if (url.startsWith('node:') || url === '') return fn ? `node internals` : 'native';
  const mod = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  return mod ? `npm:${mod}` : url;
}

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** A .heapprofile (sampling): bytes still allocated when it was taken, by area and by function. */
function summariseHeap(file: string, head: HeapNode): void {
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, charged: string) => {
    const a = areaOf(n.callFrame.functionName, n.callFrame.url);
    const to = a === 'node internals' || a === 'native' || a === '(root)' ? charged : a;
    if (n.selfSize > 0) {
      total += n.selfSize;
      areas.set(to, (areas.get(to) ?? 0) + n.selfSize);
      const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
      fns.set(key, (fns.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, to);
  };
  walk(head, 'node internals');
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1).padStart(7);
  console.log(`${file}: ${mib(total)} MiB sampled live`);
  console.log('\nby area (node internals charged to their caller):');
  for (const [k, b] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`  ${mib(b)} MiB  ${k}`);
  console.log('\ntop functions:');
  for (const [k, b] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, Number(opt.top))) console.log(`  ${mib(b)} MiB  ${k}`);
}

const file = positionals[0];
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile|FILE.heapprofile');
const raw = JSON.parse(readFileSync(file, 'utf8')) as Profile & { head?: HeapNode };
if (raw.head) {
  summariseHeap(file, raw.head);
  process.exit(0);
}
const p = raw;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const UNATTRIBUTED = new Set(['node internals', 'native', 'V8/native (program)']);
/** Node internals (socket writes, streams, timers) are charged to the nearest caller that is not one. */
function attributed(id: number): string {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const { functionName, url } = byId.get(cur)!.callFrame;
    const a = areaOf(functionName, url);
    if (!UNATTRIBUTED.has(a) && a !== '(root)') return a;
  }
  return areaOf(byId.get(id)!.callFrame.functionName, byId.get(id)!.callFrame.url);
}

const areas = new Map<string, number>();
const charged = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const { functionName: fn, url, lineNumber } = n.callFrame;
  const area = areaOf(fn, url);
  areas.set(area, (areas.get(area) ?? 0) + us);
  const to = attributed(id);
  charged.set(to, (charged.get(to) ?? 0) + us);
  const key = `${fn || '(anonymous)'} ${url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const rows = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => ({ name: k, s: Number((us / 1e6).toFixed(2)), pct: Number(((100 * us) / total).toFixed(1)) }));

const summary = {
  file,
  wall_s: Number(((p.endTime - p.startTime) / 1e6).toFixed(1)),
  areas: rows(areas, 30),
  charged: rows(charged, 20),
  functions: rows(fns, Number(opt.top)),
};
if (opt.json) {
  console.log(JSON.stringify(summary));
} else {
  console.log(`${file}: ${summary.wall_s} s sampled`);
  console.log('\nby area:');
  for (const r of summary.areas.slice(0, 12)) console.log(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.s.toFixed(1).padStart(7)} s  ${r.name}`);
  console.log('\nby area, node internals charged to their caller:');
  for (const r of summary.charged) console.log(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.s.toFixed(1).padStart(7)} s  ${r.name}`);
  console.log('\ntop functions (self time):');
  for (const r of summary.functions) console.log(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.s.toFixed(2).padStart(7)} s  ${r.name}`);
}
