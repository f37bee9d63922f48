// The processes a bench measures from outside: the real `rongsync` CLI as a child (so its peak RSS,
// CPU and stdout are what a user gets, apart from the bench's own and the emulator's), and the
// RongCloud emulator in its own process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
/** The CLI benched: this checkout's, or another's (RS_BENCH_CLI_ROOT, e.g. an older commit for before/after). */
export const CLI = join(process.env['RS_BENCH_CLI_ROOT'] ?? ROOT, 'bin', 'rongsync.js');

export interface Measured {
  exitCode: number;
  wallS: number;
  /** Peak resident set of the child (GNU time's %M), MiB. */
  peakRssMiB: number;
  /** User + system CPU of the child, seconds. */
  cpuS: number;
  stdoutBytes: number;
  stdoutLines: number;
  /** The end of stderr (logs) and of stdout, for errors. */
  stderrTail: string;
  stdoutTail: string;
}

/**
 * Runs `node [nodeFlags] bin/rongsync.js args…` under GNU time and counts what it prints.
 * `keepStdout` keeps the first bytes of stdout (to read a result off it).
 */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { nodeFlags?: string[]; keepStdout?: number; stopAfterS?: number } = {},
): Promise<Measured & { stdoutHead: string; stopped: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-'));
  const timeFile = join(dir, 'time');
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...(options.nodeFlags ?? []), CLI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  let stdoutBytes = 0;
  let stdoutLines = 0;
  let head = '';
  let outTail = '';
  const keep = options.keepStdout ?? 0;
  child.stdout!.on('data', (b: Buffer) => {
    stdoutBytes += b.length;
    for (const c of b) if (c === 10) stdoutLines++;
    outTail = (outTail + b.toString()).slice(-4000);
    if (head.length < keep) head += b.toString('utf8', 0, Math.min(b.length, keep - head.length));
  });
  let tail = '';
  child.stderr!.on('data', (b: Buffer) => {
    tail = (tail + b.toString()).slice(-4000);
  });
  // SIGUSR2 to node (GNU time's child) ends a profiled step early: the preload writes its profile.
  let stopped = false;
  const stopper = options.stopAfterS
    ? setTimeout(() => {
        const node = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0];
        if (node) {
          stopped = true;
          process.kill(Number(node), 'SIGUSR2');
        }
      }, options.stopAfterS * 1000)
    : undefined;
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  clearTimeout(stopper);
  const wallS = (performance.now() - t0) / 1000;
  const [rssKiB, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  rmSync(dir, { recursive: true, force: true });
  return { exitCode, wallS, peakRssMiB: rssKiB / 1024, cpuS: user + sys, stdoutBytes, stdoutLines, stderrTail: tail, stdoutTail: outTail, stdoutHead: head, stopped };
}

/** Peak and current resident set of a live process, MiB (from /proc). */
export function rssOf(pid: number): { peakMiB: number; nowMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { peakMiB: kib('VmHWM') / 1024, nowMiB: kib('VmRSS') / 1024 };
}

/** CPU seconds (user + system) a live process has used so far (from /proc; clock ticks of 1/100 s). */
export function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface EmulatorProcess {
  url: string;
  pid: number;
  counts(): Promise<Record<string, number>>;
  total(): Promise<number>;
  reset(): Promise<void>;
  setFaults(f: { latencyMs?: number; jitterMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/** `rongsync emulator` in its own process, on a free port. */
export async function startEmulatorProcess(options: { rateLimit: number; latencyMs?: number; appKey?: string; appSecret?: string }): Promise<EmulatorProcess> {
  const args = ['emulator', '--port', '0', '--rate-limit', String(options.rateLimit), '--app-key', options.appKey ?? 'k', '--app-secret', options.appSecret ?? 's'];
  if (options.latencyMs) args.push('--latency', String(options.latencyMs));
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited (${code}) before listening: ${out}`)));
  });
  const admin = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${url}/_emulator/${path}`, init);
    if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  return {
    url,
    pid: child.pid!,
    counts: () => admin('counts') as Promise<Record<string, number>>,
    total: async () => ((await admin('counts')) as Record<string, number>)['total'] ?? 0,
    reset: async () => void (await admin('reset', { method: 'POST' })),
    setFaults: async (f) => void (await admin('faults', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) })),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
