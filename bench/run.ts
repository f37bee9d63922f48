// `npm run bench`: runs every benchmark in turn with its default sizes and prints their output.
// Figures worth keeping go into bench/README.md with the machine and the date.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

const BENCHES = ['bench/triggers.ts', 'bench/change-latency.ts', 'bench/client-vs-sdk.ts'];

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ${new Date().toISOString()}\n`);
let failed = 0;
for (const b of BENCHES) {
  console.log(`── ${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', b], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
  console.log();
}
process.exitCode = failed > 0 ? 1 : 0;
