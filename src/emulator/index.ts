// A faithful RongCloud group-API emulator: a real HTTP server with RongCloud's paths, signature,
// limits, error codes and rate limit, plus seeded fault injection and an inspection API under
// /_emulator/. Used by tests, benchmarks and the quickstart (`rongsync emulator`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, serveAdmin, type AdminTarget } from './admin.js';
import { serveApi, type ApiContext } from './api.js';
import { CallLog } from './call-log.js';
import { EmulatorError } from './errors.js';
import { FaultInjector } from './faults.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { sendJson } from './respond.js';
import { readSnapshotFile, writeSnapshotFile } from './snapshot.js';
import { GroupStore } from './state.js';
import type { Emulator, EmulatorLimits, EmulatorOptions, FaultConfig } from './types.js';

export type {
  CallRecord,
  Emulator,
  EmulatorOptions,
  EmulatorSnapshot,
  FaultConfig,
} from './types.js';
export { EmulatorError } from './errors.js';

const DEFAULT_LIMITS: Readonly<EmulatorLimits> = Object.freeze({
  maxMembersPerGroup: 3000,
  maxIdsPerCall: 1000,
  maxBodyBytes: 100 * 1024,
  groupIdMax: 64,
  groupNameMax: 64,
  userIdMax: 64,
  maxGroupsPerUser: 500,
});

/** RongCloud's documented rate: 100 requests per second. */
const DEFAULT_RATE_LIMIT = 100;

function checkOptions(o: EmulatorOptions): EmulatorLimits {
  const problems: string[] = [];
  if (typeof o.appKey !== 'string' || o.appKey === '') problems.push('appKey: required (e.g. "k")');
  if (typeof o.appSecret !== 'string' || o.appSecret === '') problems.push('appSecret: required (e.g. "s")');
  const intIn = (name: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
      problems.push(`${name}: ${v} must be an integer from ${min} to ${max}`);
    }
  };
  intIn('port', o.port, 0, 65535);
  intIn('rateLimitPerSecond', o.rateLimitPerSecond, 0, 10_000_000);
  intIn('seed', o.seed, 0, 2 ** 32 - 1);
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  for (const [k, v] of Object.entries(limits)) intIn(`limits.${k}`, v, 1, 2 ** 31 - 1);
  if (problems.length > 0) throw new EmulatorError(`invalid emulator options: ${problems.join('; ')}`);
  return limits;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const limits = checkOptions(options);
  const store = new GroupStore(limits);
  const faults = new FaultInjector(options.seed ?? 1);
  if (options.faults) faults.set(options.faults);
  const ctx: ApiContext = {
    appKey: options.appKey,
    appSecret: options.appSecret,
    limits,
    store,
    log: new CallLog(),
    faults,
    limiter: new SlidingWindowLimiter(options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT),
    timers: new Set(),
  };
  if (options.snapshotPath) {
    const snap = await readSnapshotFile(options.snapshotPath);
    if (snap) store.load(snap);
  }

  let emulator: AdminTarget;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!path.startsWith(ADMIN_PREFIX)) return serveApi(req, res, path, ctx);
    serveAdmin(req, res, emulator).catch((e: unknown) => {
      // An emulator bug: the caller should see a 500 rather than a hang.
      sendJson(res, 500, { error: `emulator internal error: ${(e as Error).message}` });
    });
  });

  const host0 = options.host ?? '127.0.0.1';
  const port0 = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) => {
      const hint = e.code === 'EADDRINUSE' ? ' (it is in use; pick another port, or 0 for a free one)' : '';
      reject(new EmulatorError(`cannot listen on ${host0}:${port0}${hint}: ${e.message}`, { cause: e }));
    };
    server.once('error', failed);
    server.listen(port0, host0, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  let closing: Promise<void> | undefined;
  emulator = {
    url: `http://${host}:${port}`,
    port,
    state: () => store.snapshot(),
    stateOf: (groupId) => store.snapshot(groupId),
    groupCount: () => store.groupCount,
    counts: () => ctx.log.counts(),
    calls: () => ctx.log.calls(),
    callsSince: (seq) => ctx.log.calls(seq),
    reset: () => {
      store.clear();
      ctx.log.reset();
      faults.reset();
      ctx.limiter.reset();
    },
    load: (snapshot) => store.load(snapshot),
    setFaults: (f: FaultConfig) => faults.set(f),
    faults: () => faults.get(),
    setRateLimit: (perSecond) => {
      if (!Number.isInteger(perSecond) || perSecond < 0) {
        throw new EmulatorError(`rate limit ${perSecond}: must be an integer ≥ 0, 0 = off (e.g. 100)`);
      }
      ctx.limiter.setLimit(perSecond);
    },
    rateLimit: () => ctx.limiter.limit,
    close: () =>
      (closing ??= (async () => {
        for (const t of ctx.timers) clearTimeout(t);
        ctx.timers.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (options.snapshotPath) await writeSnapshotFile(options.snapshotPath, store.snapshot());
      })()),
  };
  return emulator;
}
