// `npm run bench`: runs every benchmark in turn at a size that takes minutes, not hours, and prints
// their output. Figures worth keeping go into bench/README.md with the machine, load and date.
//
//   npm run bench                                   every bench, small sizes
//   npm run bench -- --only scale,quota             some of them
//   npm run bench -- --only scale --groups 100000 --sync both   a big run (opt in): flags after
//                                                   the known ones go to the selected benches
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

/** Each bench with the arguments of its default (small) run. */
const BENCHES: Record<string, string[]> = {
  triggers: [],
  'change-latency': ['--samples', '40'],
  quota: [],
  scale: ['--groups', '5000', '--members', '30', '--sync', 'both'],
  'client-vs-sdk': [],
};

// `--only a,b` picks benches; every other argument is passed to them (replacing their defaults).
let only = Object.keys(BENCHES);
const passed: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--only') only = (argv[++i] ?? '').split(',');
  else if (argv[i]!.startsWith('--only=')) only = argv[i]!.slice('--only='.length).split(',');
  else passed.push(argv[i]!);
}
for (const name of only) if (!(name in BENCHES)) throw new Error(`unknown bench ${name}; known: ${Object.keys(BENCHES).join(', ')}`);

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, ${new Date().toISOString()}\n`,
);
let failed = 0;
for (const name of only) {
  console.log(`── bench/${name}.ts`);
  const args = passed.length > 0 ? passed : BENCHES[name]!;
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
  console.log();
}
process.exitCode = failed > 0 ? 1 : 0;
