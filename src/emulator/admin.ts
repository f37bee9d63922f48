// The inspection API under /_emulator/: JSON in and out, unsigned, not rate limited, not counted
// as API calls. It is a thin HTTP face over the in-process Emulator object.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorError } from './errors.js';
import { readBodyAsync } from './form.js';
import { parseSnapshot } from './snapshot.js';
import { sendJson } from './respond.js';
import type { Emulator, FaultConfig } from './types.js';

export const ADMIN_PREFIX = '/_emulator/';

/** Snapshots of 100k+ groups are tens of MB; the API's 100 KB limit does not apply here. */
const ADMIN_MAX_BODY = 512 * 1024 * 1024;

/** What the admin API needs beyond the public Emulator. */
export interface AdminTarget extends Emulator {
  stateOf(groupId: string): ReturnType<Emulator['state']>;
  groupCount(): number;
  callsSince(seq: number): ReturnType<Emulator['calls']>;
  faults(): FaultConfig;
  rateLimit(): number;
}

type Route = (url: URL, body: () => Promise<unknown>) => unknown | Promise<unknown>;

function routes(em: AdminTarget): Record<string, Route> {
  return {
    'GET state': (url) => {
      const g = url.searchParams.get('group');
      return g === null ? em.state() : em.stateOf(g);
    },
    'GET counts': () => em.counts(),
    'GET calls': (url) => {
      const raw = url.searchParams.get('since') ?? '0';
      const since = Number(raw);
      if (!Number.isInteger(since) || since < 0) throw new EmulatorError(`since=${raw}: must be a sequence number ≥ 0 (e.g. ?since=0)`);
      return { calls: em.callsSince(since) };
    },
    'POST reset': () => {
      em.reset();
      return { ok: true };
    },
    'POST load': async (_url, body) => {
      em.load(parseSnapshot(await body(), 'POST /_emulator/load body'));
      return { ok: true, groups: em.groupCount() };
    },
    'GET faults': () => em.faults(),
    'PUT faults': async (_url, body) => {
      em.setFaults((await body()) as FaultConfig);
      return em.faults();
    },
    'GET rate-limit': () => ({ perSecond: em.rateLimit() }),
    'PUT rate-limit': async (_url, body) => {
      const b = (await body()) as { perSecond?: unknown } | null;
      const n = b?.perSecond;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        throw new EmulatorError('perSecond: must be an integer ≥ 0, 0 = off (e.g. {"perSecond":100})');
      }
      em.setRateLimit(n);
      return { perSecond: n };
    },
  };
}

export async function serveAdmin(req: IncomingMessage, res: ServerResponse, em: AdminTarget): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const name = url.pathname.slice(ADMIN_PREFIX.length);
  const table = routes(em);
  const route = table[`${req.method} ${name}`];
  if (!route) {
    const known = Object.keys(table).map((k) => k.replace(' ', ` ${ADMIN_PREFIX}`));
    return sendJson(res, 404, { error: `no admin route ${req.method} ${url.pathname}; known: ${known.join(', ')}` });
  }
  const body = async (): Promise<unknown> => {
    const b = await readBodyAsync(req, ADMIN_MAX_BODY);
    if (!b.ok) throw new EmulatorError(`body larger than ${ADMIN_MAX_BODY} bytes`);
    try {
      return b.text === '' ? null : JSON.parse(b.text);
    } catch (e) {
      throw new EmulatorError(`body is not JSON: ${(e as Error).message}`);
    }
  };
  try {
    sendJson(res, 200, await route(url, body));
  } catch (e) {
    if (e instanceof EmulatorError) return sendJson(res, 400, { error: e.message });
    throw e;
  }
}
