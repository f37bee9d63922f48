// Preloaded into a benched CLI process (`node --import ./bench/profile-preload.mjs …`) when
// RS_PROFILE_DIR is set: samples CPU (and, with RS_PROFILE=heap or both, allocations) from the
// start and writes <dir>/<pid>.cpuprofile / .heapprofile when the process exits — or on SIGUSR2,
// which then ends the process, so a long step can be profiled for its first minutes only.
// (`node --cpu-prof` writes its file only on a normal exit.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.RS_PROFILE_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  const what = process.env.RS_PROFILE ?? 'cpu';
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  const cpu = what === 'cpu' || what === 'both';
  const heap = what === 'heap' || what === 'both';
  if (cpu) {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 1000 });
    await post('Profiler.start');
  }
  if (heap) {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024 });
  }
  // Memory over time: the peaks of RSS, JS heap and external memory (WASM, buffers), and — for a
  // heap profile — the live allocations at the highest heap seen rather than at exit, when a
  // finished run has already freed what it held.
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let dumpedAt = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
    if (heap && m.heapUsed > dumpedAt * 1.15 && m.heapUsed > 64 * 1024 * 1024) {
      dumpedAt = m.heapUsed;
      post('HeapProfiler.getSamplingProfile').then((r) => writeFileSync(join(dir, `${process.pid}.peak.heapprofile`), JSON.stringify(r.profile)));
    }
  }, 1000);
  sampler.unref();
  let written = false;
  const write = async () => {
    if (written) return;
    written = true;
    const mib = (b) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
    process.stderr.write(`profile-preload: peak rss ${mib(peak.rss)}, heapUsed ${mib(peak.heapUsed)}, external ${mib(peak.external)} (arrayBuffers ${mib(peak.arrayBuffers)})\n`);
    if (cpu) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify((await post('Profiler.stop')).profile));
    if (heap) writeFileSync(join(dir, `${process.pid}.heapprofile`), JSON.stringify((await post('HeapProfiler.stopSampling')).profile));
  };
  process.on('SIGUSR2', () => void write().then(() => process.exit(0)));
  process.on('beforeExit', () => void write());
  // A CLI that sets process.exitCode and lets the loop drain ends through beforeExit; one that
  // calls process.exit() skips it, so exit is hooked too (synchronous writes are still possible
  // there only for what was already collected: nothing, so such a run loses its profile).
  process.on('exit', () => {
    if (!written) process.stderr.write('profile-preload: process.exit() before the profile was written\n');
  });
}
