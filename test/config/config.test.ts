import { inspect } from 'node:util';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, requireCredentials } from '../../src/config/load.js';
import { ENV_VARS } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/app' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.remote.apiUrls).toEqual(['https://api.rong-api.com', 'https://api-b.rong-api.com']);
    expect(c.remote.rateLimitPerSecond).toBe(100);
    expect(c.remote.timeoutMs).toBe(10_000);
    expect(c.limits).toMatchObject({ groupIdMax: 30, groupNameMax: 60, maxMembersPerGroup: 3000, maxGroupsPerUser: 500, maxIdsPerCall: 1000 });
    expect(c.reconcile.cron).toBe('*/5 * * * *');
    expect(c.reconcile.debounceMs).toBe(50);
    expect(c.reconcile.mode).toBe('apply');
    expect(c.remote.appKey).toBeUndefined();
    expect(Object.isFrozen(c.remote)).toBe(true);
  });

  it('parses every kind of value', () => {
    const c = loadConfig({
      ...base,
      RONGCLOUD_API_URL: ' http://127.0.0.1:9200/ , http://127.0.0.1:9201 ',
      RONGCLOUD_RATE_LIMIT: '250',
      RONGCLOUD_GROUP_ID_MAX: '64',
      RONGSYNC_ALLOW_DELETES: 'yes',
      RONGSYNC_MAX_DELETE_SHARE: '0.5',
      RONGSYNC_IGNORE_USERS: '^bot_',
      RONGSYNC_MODE: 'detect',
    });
    expect(c.remote.apiUrls).toEqual(['http://127.0.0.1:9200', 'http://127.0.0.1:9201']);
    expect(c.remote.rateLimitPerSecond).toBe(250);
    expect(c.limits.groupIdMax).toBe(64);
    expect(c.reconcile.allowDeletes).toBe(true);
    expect(c.reconcile.maxDeleteShare).toBe(0.5);
    expect(c.reconcile.ignoreUsers?.test('bot_1')).toBe(true);
    expect(c.reconcile.mode).toBe('detect');
  });

  it.each([
    [{}, 'DATABASE_URL: is required but not set (e.g. DATABASE_URL=postgres://'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL: "mysql://x/…" expected a postgres:// or postgresql:// URL'],
    [{ ...base, RONGCLOUD_RATE_LIMIT: 'fast' }, 'RONGCLOUD_RATE_LIMIT: "fast" expected a whole number (e.g. RONGCLOUD_RATE_LIMIT=100)'],
    [{ ...base, RONGCLOUD_RATE_LIMIT: '0' }, 'RONGCLOUD_RATE_LIMIT: "0" must be at least 1 (e.g. RONGCLOUD_RATE_LIMIT=100)'],
    [{ ...base, RONGCLOUD_TIMEOUT_MS: '-5' }, 'RONGCLOUD_TIMEOUT_MS: "-5" expected a whole number'],
    [{ ...base, RONGCLOUD_API_URL: 'api.rong-api.com' }, 'RONGCLOUD_API_URL: "api.rong-api.com" every entry must be an http:// or https:// URL'],
    [{ ...base, RONGCLOUD_API_URL: ',' }, 'RONGCLOUD_API_URL: "," expected at least one URL'],
    [{ ...base, RONGCLOUD_API_URL: 'https://api.rong-api.com?region=sg' }, 'RONGCLOUD_API_URL: "https://api.rong-api.com/…" a base URL must not have a query string (?…); a path prefix is fine (e.g. RONGCLOUD_API_URL=https://api.rong-api.com,https://api-b.rong-api.com)'],
    [{ ...base, RONGCLOUD_API_URL: 'https://api.rong-api.com/?' }, 'RONGCLOUD_API_URL: "https://api.rong-api.com/…" a base URL must not have a query string'],
    [{ ...base, RONGCLOUD_API_URL: 'https://api.rong-api.com,https://api-b.rong-api.com#x' }, 'RONGCLOUD_API_URL: "https://api.rong-api.com,https://api-b.rong-api.com/…" a base URL must not have a fragment (#…) (e.g. RONGCLOUD_API_URL=https://'],
    [{ ...base, RONGCLOUD_API_URL: 'https://user:pw@proxy' }, 'RONGCLOUD_API_URL: "https://***@proxy" a base URL must not contain credentials (user:password@) (e.g. RONGCLOUD_API_URL=https://'],
    [{ ...base, RONGCLOUD_GROUP_ID_MAX: '65' }, 'RONGCLOUD_GROUP_ID_MAX: "65" must be at most 64 (RongCloud\'s own limit) (e.g. RONGCLOUD_GROUP_ID_MAX=30)'],
    [{ ...base, RONGCLOUD_GROUP_ID_MAX: '256' }, 'RONGCLOUD_GROUP_ID_MAX: "256" must be at most 64 (RongCloud\'s own limit)'],
    [{ ...base, RONGCLOUD_GROUP_NAME_MAX: '65' }, 'RONGCLOUD_GROUP_NAME_MAX: "65" must be at most 64 (RongCloud\'s own limit) (e.g. RONGCLOUD_GROUP_NAME_MAX=60)'],
    [{ ...base, RONGCLOUD_USER_ID_MAX: '65' }, 'RONGCLOUD_USER_ID_MAX: "65" must be at most 64 (RongCloud\'s own limit) (e.g. RONGCLOUD_USER_ID_MAX=64)'],
    [{ ...base, RONGSYNC_DISMISS_OPERATOR: 'o'.repeat(65) }, `RONGSYNC_DISMISS_OPERATOR: "${'o'.repeat(65)}" is 65 bytes, over RONGCLOUD_USER_ID_MAX=64; use a shorter user id (e.g. RONGSYNC_DISMISS_OPERATOR=admin)`],
    [{ ...base, RONGCLOUD_USER_ID_MAX: '7' }, 'RONGSYNC_DISMISS_OPERATOR: "rongsync" is 8 bytes, over RONGCLOUD_USER_ID_MAX=7; use a shorter user id or raise RONGCLOUD_USER_ID_MAX to 8 (e.g. RONGSYNC_DISMISS_OPERATOR=admin)'],
    [{ ...base, RONGSYNC_ALLOW_DELETES: 'maybe' }, 'RONGSYNC_ALLOW_DELETES: "maybe" expected true or false (e.g. RONGSYNC_ALLOW_DELETES=false)'],
    [{ ...base, RONGSYNC_MAX_DELETE_SHARE: '1.5' }, 'RONGSYNC_MAX_DELETE_SHARE: "1.5" expected a number between 0 and 1'],
    [{ ...base, RONGSYNC_IGNORE_USERS: '(' }, 'RONGSYNC_IGNORE_USERS: "(" not a valid regular expression'],
    [{ ...base, RONGSYNC_CRON: 'every minute' }, 'RONGSYNC_CRON: "every minute" expected a cron expression of 5 or 6 fields (node-cron syntax) (e.g. RONGSYNC_CRON=*/5 * * * *)'],
    [{ ...base, RONGSYNC_CRON: '61 * * * *' }, 'RONGSYNC_CRON: "61 * * * *" expected a cron expression'],
    [{ ...base, RONGSYNC_MODE: 'fix' }, 'RONGSYNC_MODE: "fix" expected apply or detect (e.g. RONGSYNC_MODE=apply)'],
  ])('names the variable, the problem and a good value: %j', (env, message) => {
    const problems = problemsOf(env as Record<string, string>);
    expect(problems.some((p) => p.startsWith(message))).toBe(true);
  });

  it('accepts base URLs with a path prefix, and the largest limits RongCloud allows', () => {
    const c = loadConfig({
      ...base,
      RONGCLOUD_API_URL: 'https://proxy.example.com/rongcloud/,http://127.0.0.1:9200/a@b',
      RONGCLOUD_GROUP_ID_MAX: '64',
      RONGCLOUD_GROUP_NAME_MAX: '64',
      RONGCLOUD_USER_ID_MAX: '64',
      RONGSYNC_DISMISS_OPERATOR: 'o'.repeat(64),
    });
    expect(c.remote.apiUrls).toEqual(['https://proxy.example.com/rongcloud', 'http://127.0.0.1:9200/a@b']);
    expect(c.limits).toMatchObject({ groupIdMax: 64, groupNameMax: 64, userIdMax: 64 });
    expect(c.reconcile.dismissOperator).toBe('o'.repeat(64));
  });

  it('never echoes credentials written into a URL', () => {
    const password = 'hunter2-Pw';
    const urls = [
      `https://ops:${password}@proxy.example.com`,
      `https://ops:${password}@proxy.example.com/rongcloud,https://api-b.rong-api.com`,
      `https://api.rong-api.com,https://ops:${password}@proxy.example.com`,
      `https:ops:${password}@proxy.example.com`, // the URL parser reads this as https://ops:…@proxy
      `https://ops:${password}/x@proxy.example.com`, // unencoded '/' in the password: not even a valid URL
      `https://ops:a,${password}@proxy.example.com`, // ',' in the password splits the list
      `https://ops:a@${password}@proxy.example.com`, // '@' in the password
    ];
    for (const url of urls) {
      const problems = problemsOf({ ...base, RONGCLOUD_API_URL: url });
      const line = problems.find((p) => p.startsWith('RONGCLOUD_API_URL:'));
      expect(line, url).toBeDefined();
      expect(line, url).toContain('***@proxy.example.com');
      expect(line, url).toMatch(/must not contain credentials|must be an http/);
      for (const text of [problems.join('\n'), inspect(catchError(() => loadConfig({ ...base, RONGCLOUD_API_URL: url })))]) {
        expect(text, url).not.toContain(password);
      }
    }
    // A user name alone, or an empty one, is refused too (the URL parser would drop the latter silently).
    for (const url of ['https://ops@proxy.example.com', 'https://@proxy.example.com', 'https://:@proxy.example.com']) {
      expect(problemsOf({ ...base, RONGCLOUD_API_URL: url })).toEqual([
        'RONGCLOUD_API_URL: "https://***@proxy.example.com" a base URL must not contain credentials (user:password@) (e.g. RONGCLOUD_API_URL=https://api.rong-api.com,https://api-b.rong-api.com)',
      ]);
    }
    // Same for DATABASE_URL when it is refused for another reason.
    const problems = problemsOf({ DATABASE_URL: `mysql://root:${password}@db/app` });
    expect(problems).toEqual(['DATABASE_URL: "mysql://***@db/…" expected a postgres:// or postgresql:// URL (e.g. DATABASE_URL=postgres://rongsync@127.0.0.1:5432/app)']);
  });

  it('shows only scheme, host and port of a refused URL: a secret in its path or query is never echoed', () => {
    const token = 'tok-9f8e7d6c5b4a';
    const cases: Array<[env: Record<string, string>, shown: string]> = [
      [{ RONGCLOUD_API_URL: `https://api.rong-api.com/v2?access_token=${token}` }, '"https://api.rong-api.com/…"'],
      [{ RONGCLOUD_API_URL: `https://proxy.example.com:8443/${token}/#frag` }, '"https://proxy.example.com:8443/…"'],
      [{ RONGCLOUD_API_URL: `https://api.rong-api.com,https://b.example.com/x?key=${token}` }, '"https://api.rong-api.com,https://b.example.com/…"'],
      [{ RONGCLOUD_API_URL: `ftp://files.example.com/${token}` }, '"ftp://files.example.com/…"'],
      [{ RONGCLOUD_API_URL: `api.rong-api.com/${token}` }, '"api.rong-api.com/…"'],
      [{ DATABASE_URL: `mysql://db.example.com:3306/app?password=${token}` }, '"mysql://db.example.com:3306/…"'],
      // A libpq keyword string in place of a URL: nothing of it looks like a host, so none of it is shown.
      [{ DATABASE_URL: `host=db user=app password=${token}` }, '"…"'],
    ];
    for (const [env, shown] of cases) {
      const [name] = Object.keys(env);
      const problems = problemsOf({ ...base, ...env });
      const line = problems.find((p) => p.startsWith(`${name}:`));
      expect(line, shown).toBeDefined();
      expect(line, shown).toContain(`${name}: ${shown} `);
      const text = [problems.join('\n'), inspect(catchError(() => loadConfig({ ...base, ...env })))];
      for (const t of text) expect(t, shown).not.toContain(token);
    }
  });

  it('checks RONGSYNC_DISMISS_OPERATOR with the user-id rule: no control or bidi characters; shown escaped', () => {
    expect(problemsOf({ ...base, RONGSYNC_DISMISS_OPERATOR: 'ad\u202emin' })).toEqual([
      'RONGSYNC_DISMISS_OPERATOR: "ad\\u202emin" contains bidirectional control U+202E at position 2; RongCloud would refuse it as a user id (e.g. RONGSYNC_DISMISS_OPERATOR=admin)',
    ]);
    expect(problemsOf({ ...base, RONGSYNC_DISMISS_OPERATOR: 'ad\tmin' })[0]).toContain('contains control character U+0009 at position 2');
  });

  it('lists each problem of RONGCLOUD_API_URL once, however many entries have it', () => {
    const problems = problemsOf({ ...base, RONGCLOUD_API_URL: 'https://a.example.com?x=1#y,https://b.example.com?z' });
    expect(problems).toEqual([
      'RONGCLOUD_API_URL: "https://a.example.com/…,https://b.example.com/…" a base URL must not have a query string (?…); a path prefix is fine; a base URL must not have a fragment (#…) (e.g. RONGCLOUD_API_URL=https://api.rong-api.com,https://api-b.rong-api.com)',
    ]);
  });

  it('checks RONGSYNC_DISMISS_OPERATOR against RONGCLOUD_USER_ID_MAX in UTF-8 bytes, as the client does', () => {
    // 管理员 is 3 characters but 9 bytes.
    expect(loadConfig({ ...base, RONGCLOUD_USER_ID_MAX: '9', RONGSYNC_DISMISS_OPERATOR: '管理员' }).reconcile.dismissOperator).toBe('管理员');
    expect(problemsOf({ ...base, RONGCLOUD_USER_ID_MAX: '8', RONGSYNC_DISMISS_OPERATOR: '管理员' })).toEqual([
      'RONGSYNC_DISMISS_OPERATOR: "管理员" is 9 bytes, over RONGCLOUD_USER_ID_MAX=8; use a shorter user id or raise RONGCLOUD_USER_ID_MAX to 9 (e.g. RONGSYNC_DISMISS_OPERATOR=admin)',
    ]);
    // A bad RONGCLOUD_USER_ID_MAX does not hide a too-long operator: RongCloud's own cap applies.
    const problems = problemsOf({ ...base, RONGCLOUD_USER_ID_MAX: '1024', RONGSYNC_DISMISS_OPERATOR: 'o'.repeat(65) });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['RONGCLOUD_USER_ID_MAX', 'RONGSYNC_DISMISS_OPERATOR']);
    expect(problems[1]).toContain("is 65 bytes, over RongCloud's limit of 64 bytes; use a shorter user id");
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ DATABASE_URL: 'x', RONGCLOUD_RATE_LIMIT: 'x', RONGSYNC_MODE: 'x' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['DATABASE_URL', 'RONGCLOUD_RATE_LIMIT', 'RONGSYNC_MODE']);
  });

  it('never shows the app secret: not in errors, logs or serialisation', () => {
    const secret = 'S3cr3t-value-xyz';
    const c = loadConfig({ ...base, RONGCLOUD_APP_KEY: 'key', RONGCLOUD_APP_SECRET: secret });
    expect(c.remote.appSecret?.reveal()).toBe(secret);
    const renderings = [String(c.remote.appSecret), `${c.remote.appSecret}`, JSON.stringify(c), inspect(c, { depth: 10 })];
    for (const text of renderings) expect(text).not.toContain(secret);
    expect(JSON.stringify(c)).toContain('[redacted]');

    // An invalid secret (whitespace only counts as unset) is never echoed either.
    const problems = problemsOf({ ...base, RONGCLOUD_RATE_LIMIT: secret, RONGCLOUD_APP_SECRET: ' ' });
    expect(problems.join('\n')).toContain(secret); // the non-secret variable echoes its value
    try {
      loadConfig({ ...base, RONGCLOUD_APP_SECRET: secret, RONGCLOUD_TIMEOUT_MS: 'x' });
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
      expect(inspect(e)).not.toContain(secret);
    }
  });

  it('requireCredentials names what is missing', () => {
    const c = loadConfig(base);
    expect(() => requireCredentials(c.remote)).toThrow(/RONGCLOUD_APP_KEY: is required.*\n.*RONGCLOUD_APP_SECRET: is required/s);
  });

  it('.env.example documents every variable with its default', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const v of ENV_VARS) {
      const line = example.split('\n').find((l) => l.replace(/^#\s*/, '').startsWith(`${v.name}=`));
      expect(line, `${v.name} missing from .env.example`).toBeDefined();
      if ('default' in v && v.default !== '') expect(line).toContain(`${v.name}=${v.default}`);
    }
  });
});
