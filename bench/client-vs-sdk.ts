// GroupClient vs the official Node SDK (rongcloud-sdk 3.1.1): the same N joins into distinct
// groups at the same concurrency, against the emulator with its rate limit off. Prints calls/s per
// round and the median (plus process CPU per call, steadier than throughput on a busy machine),
// and checks the emulator state after every round (every group exists with
// its one member), so a fast-but-wrong client cannot win.
//
//   npx tsx bench/client-vs-sdk.ts [N=5000] [concurrency=16] [rounds=3]
import { createRequire } from 'node:module';
import { Secret } from '../src/config/secret.js';
import { startEmulator, type Emulator } from '../src/emulator/index.js';
import { GroupClient } from '../src/remote/group-client.js';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const ROUNDS = Number(process.argv[4] ?? 3);
const APP_KEY = 'bench-key';
const APP_SECRET = 'bench-secret';

interface SdkGroup {
  join(group: { id: string; name?: string; member: { id: string } }): Promise<{ code: number | string }>;
}
const require = createRequire(import.meta.url);
const rongcloud = require('rongcloud-sdk') as (o: { appkey: string; secret: string; api: string }) => { Group: SdkGroup };

/** Runs `task(i)` for i in [0, n) with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

function verify(emu: Emulator, label: string): void {
  const groups = emu.state().groups;
  const ids = Object.keys(groups);
  if (ids.length !== N) throw new Error(`${label}: emulator has ${ids.length} groups, expected ${N}`);
  for (let i = 0; i < N; i++) {
    const g = groups[`b${i}`];
    if (g?.members.length !== 1 || g.members[0] !== `u${i}`) {
      throw new Error(`${label}: group b${i} is ${JSON.stringify(g)}, expected members ["u${i}"]`);
    }
  }
  const total = emu.counts().total;
  if (total !== N) throw new Error(`${label}: emulator counted ${total} requests, expected ${N}`);
}

interface Round {
  /** Calls per second (wall clock). */
  rate: number;
  /** Process CPU (user + system) per call, µs — the emulator's share included, the same for both. */
  cpuUsPerCall: number;
}

async function timed(emu: Emulator, label: string, run: () => Promise<void>): Promise<Round> {
  emu.reset();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  verify(emu, label);
  return { rate: N / seconds, cpuUsPerCall: (cpu.user + cpu.system) / N };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const emu = await startEmulator({ appKey: APP_KEY, appSecret: APP_SECRET, port: 0, rateLimitPerSecond: 0 });
  const client = new GroupClient({
    appKey: APP_KEY,
    appSecret: new Secret(APP_SECRET),
    apiUrls: [emu.url],
    limits: { groupIdMax: 30, groupNameMax: 60, userIdMax: 64, maxMembersPerGroup: 3000, maxGroupsPerUser: 500, maxIdsPerCall: 1000 },
    rateLimitPerSecond: 1_000_000, // raised so that only concurrency binds
    concurrency: CONCURRENCY,
    maxRetries: 0,
  });
  const sdk = rongcloud({ appkey: APP_KEY, secret: APP_SECRET, api: emu.url });

  // Both are driven by the same pool of CONCURRENCY workers (the client's own cap is the same
  // number, so it never binds). The SDK's errors resolve, so check its code.
  const runClient = () => pool(N, CONCURRENCY, (i) => client.join({ id: `b${i}`, memberId: `u${i}`, name: `b${i}` }));
  const runSdk = () =>
    pool(N, CONCURRENCY, async (i) => {
      const r = await sdk.Group.join({ id: `b${i}`, name: `b${i}`, member: { id: `u${i}` } });
      if (Number(r.code) !== 200) throw new Error(`SDK join b${i}: ${JSON.stringify(r)}`);
    });

  // Warm-up (JIT, sockets), not counted.
  await timed(emu, 'warm-up client', runClient);
  await timed(emu, 'warm-up sdk', runSdk);

  const results = { client: [] as Round[], sdk: [] as Round[] };
  for (let r = 0; r < ROUNDS; r++) {
    results.client.push(await timed(emu, 'GroupClient', runClient));
    results.sdk.push(await timed(emu, 'rongcloud-sdk', runSdk));
  }
  client.close();
  await emu.close();

  const line = (name: string, rounds: Round[]) =>
    `${name.padEnd(14)} calls/s: median ${median(rounds.map((r) => r.rate)).toFixed(0).padStart(5)}` +
    `  CPU/call: median ${median(rounds.map((r) => r.cpuUsPerCall)).toFixed(0).padStart(5)} µs` +
    `  (rounds: ${rounds.map((r) => `${r.rate.toFixed(0)}/s ${r.cpuUsPerCall.toFixed(0)}µs`).join(', ')})`;
  console.log(`${N} joins into distinct groups, concurrency ${CONCURRENCY}, emulator rate limit off, ${ROUNDS} rounds (state verified after each)`);
  console.log(line('GroupClient', results.client));
  console.log(line('rongcloud-sdk', results.sdk));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
