// The image's build steps without Docker (these machines have no engine): reads ./Dockerfile and
// .dockerignore, performs the Dockerfile's COPY and RUN steps in a clean temporary folder, then
// runs what a container would: the ENTRYPOINT with `emulator` (a stand-in RongCloud), `migrate`
// and `plan` against a database you give it, and the HEALTHCHECK against a stand-in /readyz.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/some_empty_db npx tsx scripts/docker-steps.ts
//
// Reading the Dockerfile instead of repeating it keeps the two from drifting: a new COPY is
// followed as written, and a RUN step this script does not know is an error, not a silent skip.
// What differs from a real build, on purpose: system packages (apt-get: tini) are the container's
// business and are skipped; `npm ci` prefers the local npm cache (--prefer-offline), and
// `npm cache clean` is skipped, since wiping the host's cache is what would make it need the
// network; the commands run as the current user, not `node`.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

/** `.dockerignore` as a predicate on context-relative paths (root-anchored globs, `*`, `?`, `**`). */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('.dockerignore: exceptions (!pattern) are not supported by scripts/docker-steps.ts');
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/');
    return new RegExp(`^${body}$`);
  });
  return (path) => {
    const parts = path.split('/');
    // A path is ignored when it, or a folder above it, matches.
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (regexes.some((r) => r.test(prefix))) return true;
    }
    return false;
  };
}

/** `K=V K2="V 2"` (ENV's modern form). */
function parseEnvArgs(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]!] = m[3] ?? m[2]!;
  return env;
}

/** An exec-form (JSON array) ENTRYPOINT / CMD / HEALTHCHECK CMD. */
function execForm(args: string, what: string): string[] {
  try {
    const v: unknown = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // fall through
  }
  throw new Error(`Dockerfile: ${what} must be in exec form (a JSON array), got ${args}`);
}

/**
 * What one `&&`-part of a RUN does here: the command to run in the folder, or why it is skipped.
 * Unknown commands are refused so that a new build step is never silently left out.
 */
export function hostCommand(command: string): { run: string } | { skip: string } {
  const c = command.trim();
  if (/^apt-get\b/.test(c) || c === 'rm -rf /var/lib/apt/lists/*') return { skip: 'system packages belong to the container (tini)' };
  if (/^npm cache clean\b/.test(c)) return { skip: "keeps the host's npm cache, which lets npm ci run offline" };
  if (/^npm ci\b/.test(c)) return { run: `${c} --prefer-offline --no-fund` };
  if (/^npm prune\b/.test(c)) return { run: `${c} --prefer-offline` };
  if (c === 'rm -rf src') return { run: c };
  if (/^(node|npm run|npx) /.test(c)) return { run: c };
  throw new Error(`Dockerfile: RUN step ${JSON.stringify(c)} is unknown to scripts/docker-steps.ts; teach hostCommand() what it does outside the image`);
}

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv, shell = false): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = shell ? spawn('/bin/sh', ['-c', argv[0]!], { cwd, env }) : spawn(argv[0]!, argv.slice(1), { cwd, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err }));
  });
}

function check(what: string, r: Ran, ok: (code: number | null) => boolean = (c) => c === 0): Ran {
  if (!ok(r.code)) throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`);
  return r;
}

export interface DockerStepsOptions {
  /** Database the built copy migrates and plans against (an empty one, so migrate does real work). */
  databaseUrl: string;
  /** Runs between `migrate` and `plan` (e.g. to insert rows, so the plan has something to show). */
  afterMigrate?: () => Promise<void>;
  /** Keep the folder afterwards (its path is in the result). @default false */
  keep?: boolean;
  /** Progress lines. @default nothing */
  log?: (line: string) => void;
}

export interface DockerStepsResult {
  dir: string;
  /** What each step did: `COPY …`, `RUN …`, `skip …`. */
  steps: string[];
  /** Node version of the FROM image tag (e.g. "20.20"), to compare with this host's. */
  baseImageNode: string | undefined;
  /** The ENTRYPOINT as run here (tini left out: it only forwards signals). */
  entrypoint: string[];
  emulatorUrl: string;
  migrate: Ran;
  plan: Ran;
  healthcheck: Ran;
}

export async function runDockerSteps(options: DockerStepsOptions): Promise<DockerStepsResult> {
  const log = options.log ?? (() => {});
  const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const ignored = dockerignore(existsSync(join(ROOT, '.dockerignore')) ? readFileSync(join(ROOT, '.dockerignore'), 'utf8') : '');
  const dir = mkdtempSync(join(tmpdir(), 'rongsync-image-'));
  const steps: string[] = [];
  const note = (s: string) => {
    steps.push(s);
    log(s);
  };
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
  let baseImageNode: string | undefined;
  let entrypoint: string[] = [];
  let healthcheck: string[] = [];
  const emulatorStop: Array<() => void> = [];
  try {
    for (const { op, args } of instructions) {
      switch (op) {
        case 'FROM':
          baseImageNode = /^node:(\d+(?:\.\d+)*)/.exec(args)?.[1];
          break;
        case 'ENV':
          Object.assign(env, parseEnvArgs(args));
          break;
        case 'COPY': {
          const parts = args.split(/\s+/);
          if (parts.some((p) => p.startsWith('--'))) throw new Error(`Dockerfile: COPY flags are not supported here: ${args}`);
          const dest = parts.pop()!;
          const intoDir = dest.endsWith('/') || parts.length > 1;
          for (const src of parts) {
            const from = join(ROOT, src);
            if (ignored(src)) throw new Error(`Dockerfile: COPY ${src} is excluded by .dockerignore`);
            const to = intoDir ? join(dir, dest, src.split('/').pop()!) : join(dir, dest);
            mkdirSync(dirname(to), { recursive: true });
            cpSync(from, to, {
              recursive: true,
              // As Docker sends the build context: nothing .dockerignore excludes.
              filter: (p) => !ignored(relative(ROOT, p).split('\\').join('/')) || p === from,
            });
            note(`COPY ${src} → ${relative(dir, to) || '.'}${statSync(from).isDirectory() ? '/' : ''}`);
          }
          break;
        }
        case 'RUN':
          for (const part of args.split('&&')) {
            const what = hostCommand(part);
            if ('skip' in what) {
              note(`skip ${part.trim()} (${what.skip})`);
              continue;
            }
            note(`RUN ${what.run}`);
            check(what.run, await run([what.run], dir, env, true));
          }
          break;
        case 'ENTRYPOINT': {
          const e = execForm(args, 'ENTRYPOINT');
          const dashes = e.indexOf('--');
          entrypoint = e[0]?.endsWith('tini') && dashes !== -1 ? e.slice(dashes + 1) : e;
          break;
        }
        case 'HEALTHCHECK': {
          const m = /\bCMD\s+(.*)$/.exec(args);
          if (m) healthcheck = execForm(m[1]!, 'HEALTHCHECK CMD');
          break;
        }
        default:
          break; // WORKDIR (the folder itself), USER, EXPOSE, CMD: nothing to do outside a container
      }
    }
    if (entrypoint.length === 0) throw new Error('Dockerfile: no ENTRYPOINT');
    if (healthcheck.length === 0) throw new Error('Dockerfile: no HEALTHCHECK CMD');
    const [cmd, ...pre] = entrypoint as [string, ...string[]];
    const image = (args: string[], extra: NodeJS.ProcessEnv = {}) => run([cmd === 'node' ? process.execPath : cmd, ...pre, ...args], dir, { ...env, LOG_FORMAT: 'json', ...extra });

    // A stand-in RongCloud: the image's own emulator command.
    const emulatorUrl = await new Promise<string>((done, fail) => {
      const child = spawn(cmd === 'node' ? process.execPath : cmd, [...pre, 'emulator', '--port', '0', '--app-key', 'image-key', '--app-secret', 'image-secret'], { cwd: dir, env });
      emulatorStop.push(() => child.kill('SIGTERM'));
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) done(m[1]!);
      });
      child.on('close', (code) => fail(new Error(`emulator exited ${code}\n${out}\n${err}`)));
    });
    note(`emulator ${emulatorUrl}`);
    const remote = { RONGCLOUD_APP_KEY: 'image-key', RONGCLOUD_APP_SECRET: 'image-secret', RONGCLOUD_API_URL: emulatorUrl };

    note('migrate');
    const migrate = check('migrate', await image(['migrate'], { DATABASE_URL: options.databaseUrl }));
    await options.afterMigrate?.();
    note('plan');
    // plan exits 0 in sync, 2 with drift: both are a working image.
    const plan = check('plan', await image(['plan'], { DATABASE_URL: options.databaseUrl, ...remote }), (c) => c === 0 || c === 2);

    // The HEALTHCHECK against a stand-in /readyz on a free port.
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/readyz' ? 200 : 404).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as AddressInfo).port);
    let health: Ran;
    try {
      const [hc, ...hcArgs] = healthcheck as [string, ...string[]];
      note(`HEALTHCHECK ${healthcheck.join(' ')} (RONGSYNC_HTTP_PORT=${port})`);
      health = check('healthcheck', await run([hc === 'node' ? process.execPath : hc, ...hcArgs], dir, { ...env, RONGSYNC_HTTP_PORT: port }));
    } finally {
      server.close();
    }
    return { dir, steps, baseImageNode, entrypoint, emulatorUrl, migrate, plan, healthcheck: health };
  } finally {
    for (const stop of emulatorStop) stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx scripts/docker-steps.ts` (DATABASE_URL: an empty database).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    process.stderr.write('docker-steps: set DATABASE_URL to an empty database (it is migrated, then planned against)\n');
    process.exit(1);
  }
  try {
    const r = await runDockerSteps({ databaseUrl, keep: process.argv.includes('--keep'), log: (l) => process.stdout.write(`${l}\n`) });
    process.stdout.write(`\nmigrate:\n${r.migrate.out}\nplan (exit ${r.plan.code}):\n${r.plan.out}\nhealthcheck: ${r.healthcheck.out}`);
    if (process.argv.includes('--keep')) process.stdout.write(`kept ${r.dir}\n`);
  } catch (e) {
    process.stderr.write(`docker-steps: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
