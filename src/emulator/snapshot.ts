// Snapshots as JSON: validation of snapshots coming from outside (file, admin API) and the file
// round trip (loaded at start when present, written atomically on close).
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { EmulatorError } from './errors.js';
import type { EmulatorSnapshot } from './types.js';

const snapshotSchema = z.object({
  groups: z.record(
    z.string(),
    z.object({ name: z.string().nullable(), members: z.array(z.string()) }),
  ),
});

/** Validates a snapshot from outside; `source` names where it came from in the error. */
export function parseSnapshot(input: unknown, source: string): EmulatorSnapshot {
  const r = snapshotSchema.safeParse(input);
  if (r.success) return r.data;
  const first = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new EmulatorError(
    `${source} is not an emulator snapshot (${first.join('; ')}); expected {"groups":{"g1":{"name":"G","members":["u1"]}}}`,
  );
}

/** The snapshot in `path`, or undefined when the file does not exist yet. */
export async function readSnapshotFile(path: string): Promise<EmulatorSnapshot | undefined> {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new EmulatorError(`snapshot file ${path} cannot be read as JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseSnapshot(json, `snapshot file ${path}`);
}

/** Writes through a temporary file and a rename, so a crash never leaves half a snapshot. */
export async function writeSnapshotFile(path: string, snapshot: EmulatorSnapshot): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(snapshot));
  await rename(tmp, path);
}
