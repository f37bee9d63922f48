// Reads a `.env` file into variables, as Prisma and most twelve-factor tools do: `.env` in the
// working directory when there is one, or the file named by `--env-file`. The real environment
// wins over the file, so `DATABASE_URL=… rongsync plan` still overrides what `.env` says. The
// file is parsed with Node's own parser (util.parseEnv: KEY=value, quotes, `export`, comments)
// and never written into process.env; the merged map goes to loadConfig like the environment.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';

type Env = Record<string, string | undefined>;

/** The file read when no `--env-file` is given, relative to the working directory. */
const DEFAULT_ENV_FILE = '.env';

export interface EnvFile {
  /** Absolute path of the file read; undefined when there was none. */
  path: string | undefined;
  vars: Record<string, string>;
}

/**
 * Reads `explicitPath` (an error when it cannot be read), or else `.env` in `cwd` (silently
 * nothing when it does not exist).
 */
export function readEnvFile(cwd: string, explicitPath?: string): EnvFile {
  const path = resolve(cwd, explicitPath ?? DEFAULT_ENV_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (explicitPath === undefined && code === 'ENOENT') return { path: undefined, vars: {} };
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    const flag = explicitPath === undefined ? DEFAULT_ENV_FILE : '--env-file';
    throw new ConfigError([`${flag}: cannot read ${path}: ${why}${explicitPath === undefined ? '' : ' (e.g. --env-file ./production.env)'}`]);
  }
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined) vars[k] = v;
  return { path, vars };
}

/** The file's variables overlaid by the environment: a variable set in the environment wins. */
export function withEnvFile(env: Env, file: EnvFile): Env {
  const merged: Env = { ...file.vars };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}
