// Small facts about other processes and ports that the sandbox needs: is a pid alive, what is its
// command line, is a port free.
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';

/** Whether a process with this pid exists (one we may not signal counts: EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a running process, arguments joined by spaces; undefined where /proc cannot tell (not Linux, gone). */
async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is alive and, where its command line can be read, mentions `mark` (a pid in a
 * stale pid file may have been reused by an unrelated process).
 */
export async function isAliveAs(pid: number, mark: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const cmd = await commandLine(pid);
  return cmd === undefined || cmd.includes(mark);
}

/** Listens on host:port for a moment: the port is free (resolves it, or a free one for 0), or null when in use. */
export async function tryPort(host: string, port: number): Promise<number | null> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') return null;
    throw e;
  }
  const bound = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return bound;
}
