// `.env` / `--env-file`: read with Node's parser, the environment wins, a missing explicit file
// is an error naming its path, a missing default `.env` is nothing.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnvFile, withEnvFile } from '../../src/config/env-file.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'rongsync-envfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readEnvFile', () => {
  it('reads .env in the working directory: quotes, export, comments, multi-line values', () => {
    const cwd = join(dir, 'a');
    mkdirSync(cwd);
    writeFileSync(
      join(cwd, '.env'),
      ['# a comment', 'DATABASE_URL=postgres://u@h:5432/app', 'export RONGSYNC_MODE=detect', 'RONGCLOUD_APP_SECRET="s e#cret"', "NAME='x'  # trailing", 'MULTI="one\\ntwo"', ''].join('\n'),
    );
    const f = readEnvFile(cwd);
    expect(f.path).toBe(join(cwd, '.env'));
    expect(f.vars).toEqual({
      DATABASE_URL: 'postgres://u@h:5432/app',
      RONGSYNC_MODE: 'detect',
      RONGCLOUD_APP_SECRET: 's e#cret',
      NAME: 'x',
      MULTI: 'one\ntwo',
    });
  });

  it('is nothing when there is no .env', () => {
    const cwd = join(dir, 'empty');
    mkdirSync(cwd);
    expect(readEnvFile(cwd)).toEqual({ path: undefined, vars: {} });
  });

  it('reads --env-file instead of .env, relative to the working directory', () => {
    const cwd = join(dir, 'b');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.env'), 'A=from-dotenv\n');
    writeFileSync(join(cwd, 'prod.env'), 'B=from-prod\n');
    expect(readEnvFile(cwd, 'prod.env').vars).toEqual({ B: 'from-prod' });
    expect(readEnvFile('/', join(cwd, 'prod.env')).vars).toEqual({ B: 'from-prod' });
  });

  it('refuses a missing or unreadable --env-file, naming the path', () => {
    const missing = join(dir, 'nope.env');
    const e = (() => {
      try {
        readEnvFile(dir, 'nope.env');
      } catch (err) {
        return err;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toEqual([`--env-file: cannot read ${missing}: no such file (e.g. --env-file ./production.env)`]);
    expect(() => readEnvFile(dir, '.')).toThrow(`--env-file: cannot read ${dir}: is a directory`);
    // A `.env` that exists but cannot be read is an error too, not silently skipped.
    const cwd = join(dir, 'c');
    mkdirSync(join(cwd, '.env'), { recursive: true });
    expect(() => readEnvFile(cwd)).toThrow(`.env: cannot read ${join(cwd, '.env')}: is a directory`);
  });
});

describe('withEnvFile', () => {
  it('lets the environment win over the file', () => {
    const file = { path: '/x/.env', vars: { A: 'file', B: 'file' } };
    expect(withEnvFile({ B: 'env', C: 'env', D: undefined }, file)).toEqual({ A: 'file', B: 'env', C: 'env' });
    // Set but empty in the environment still counts as set there (as dotenv and Node do).
    expect(withEnvFile({ A: '' }, file)).toEqual({ A: '', B: 'file' });
  });
});
