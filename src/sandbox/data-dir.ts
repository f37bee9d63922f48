// RONGSYNC_DATA_DIR: made with a mode that keeps other users out (as root: lets the OS user
// postgres pass through to the cluster it owns, nothing more), and held by one `rongsync
// start` at a time (start.pid), so two starts never run two servers on one cluster — and a start
// that finds a server left running knows it is an orphan, not another start's.
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SandboxError } from './errors.js';
import { isAliveAs } from './process.js';

/**
 * mkdir -p, private to this user (0700) — or, when `passable` (we are root and Postgres runs as
 * the OS user postgres), 0711: others may pass through to what they own below (data/) but not
 * list it. A `passable` directory that exists already gets those search bits added.
 */
export async function makeDir(path: string, options: { passable: boolean }): Promise<void> {
  const mode = options.passable ? 0o711 : 0o700;
  const first = await mkdir(path, { recursive: true });
  if (first !== undefined) {
    // mkdir's own mode is cut by the umask: set it on every directory it created.
    for (let d = path; ; d = dirname(d)) {
      await chmod(d, mode);
      if (d === first || dirname(d) === d) break;
    }
  } else if (options.passable) {
    const current = (await stat(path)).mode & 0o7777;
    if ((current & 0o011) !== 0o011) await chmod(path, current | 0o011);
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Takes `dir/start.pid`; refuses while the process named there still runs. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = join(dir, 'start.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && (await isAliveAs(pid, 'rongsync'))) {
        throw new SandboxError(`another \`rongsync start\` (pid ${pid}) is using ${dir}. Stop it first, or give this one its own RONGSYNC_DATA_DIR.`);
      }
      await rm(file, { force: true }); // its process is gone
    }
  }
  return {
    async release() {
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid === process.pid) await rm(file, { force: true });
    },
  };
}
