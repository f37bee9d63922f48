// Who may use the console and the JSON API. User ids are personal data, so both need
// RONGSYNC_ADMIN_TOKEN: as `Authorization: Bearer <token>` (scripts), or once through the login form,
// which sets a session cookie (HttpOnly, SameSite=Strict) that is an expiring HMAC of the token —
// stateless, so every replica accepts it, and changing the token ends every session. With no token
// configured they are refused, except in the local sandbox (`openWithoutToken`), honoured only on a
// loopback address.
//
// Writes (POST) carried by a cookie — or by nothing, in the sandbox — must come from the console's
// own origin (Sec-Fetch-Site, else Origin against Host): another site's page cannot make the browser
// act for its user. Bearer requests are not cookie-borne, so they need no such check. In the sandbox
// the Host header must also be a loopback name, so a page on a domain re-pointed to 127.0.0.1 (DNS
// rebinding) cannot read the API either.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Secret } from '../config/secret.js';

const SESSION_COOKIE = 'rongsync_session';
/** How long a console login lasts. */
export const SESSION_TTL_MS = 12 * 3600_000;

export type AccessMode =
  | { kind: 'token'; token: Secret }
  /** No token, sandbox on loopback: everyone on this machine may use the console. */
  | { kind: 'open' }
  /** No token: console and API refused. */
  | { kind: 'closed' };

/** Whether a listen address (or a Host header's host) is this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h.startsWith('::ffff:127.');
  return false;
}

/** The host part of a Host header (`[::1]:9300` → `[::1]`, `a:1` → `a`). */
function hostOf(header: string | undefined): string {
  if (!header) return '';
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
}

/** Constant-time comparison of two secrets of any length (equal-length digests are compared). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function sessionMac(token: Secret, expires: number): string {
  return createHmac('sha256', token.reveal()).update(`rongsync-console-session:${expires}`).digest('base64url');
}

/** A cookie value valid until `now + SESSION_TTL_MS`. */
export function newSession(token: Secret, now: number): string {
  const expires = now + SESSION_TTL_MS;
  return `${expires}.${sessionMac(token, expires)}`;
}

function validSession(token: Secret, value: string, now: number): boolean {
  const m = /^(\d{13,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return false;
  const expires = Number(m[1]);
  return expires > now && sameSecret(m[2]!, sessionMac(token, expires));
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`, ...(secure ? ['Secure'] : [])];
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; ${attrs.join('; ')}`);
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

/** A write that came from the console's own pages, not from another site through the user's browser. */
export function fromSameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export type AccessDecision =
  | { ok: true; via: 'bearer' | 'cookie' | 'open' }
  | { ok: false; status: 401 | 403; error: string; message: string };

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Decides one request to the console or the JSON API. */
export function decideAccess(mode: AccessMode, request: FastifyRequest, now: number): AccessDecision {
  const write = WRITE_METHODS.has(request.method);
  const crossSite: AccessDecision = {
    ok: false,
    status: 403,
    error: 'cross_site',
    message: 'refused: a write must come from the console page itself (Sec-Fetch-Site: same-origin, or an Origin matching Host), or carry Authorization: Bearer',
  };
  if (mode.kind === 'closed') {
    return {
      ok: false,
      status: 403,
      error: 'no_admin_token',
      message: 'the console and the JSON API are off: set RONGSYNC_ADMIN_TOKEN (at least 16 characters) to use them; /healthz, /readyz and /metrics stay open',
    };
  }
  if (mode.kind === 'open') {
    if (!isLoopback(hostOf(request.headers.host))) {
      return { ok: false, status: 403, error: 'not_loopback', message: 'this console is open without a token on localhost only: use http://127.0.0.1 or http://localhost' };
    }
    if (write && !fromSameOrigin(request)) return crossSite;
    return { ok: true, via: 'open' };
  }
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) {
    if (sameSecret(auth.slice(7).trim(), mode.token.reveal())) return { ok: true, via: 'bearer' };
    return { ok: false, status: 401, error: 'bad_token', message: 'the bearer token is not RONGSYNC_ADMIN_TOKEN' };
  }
  const cookie = readCookie(request, SESSION_COOKIE);
  if (cookie !== undefined && validSession(mode.token, cookie, now)) {
    if (write && !fromSameOrigin(request)) return crossSite;
    return { ok: true, via: 'cookie' };
  }
  return {
    ok: false,
    status: 401,
    error: 'unauthorized',
    message: 'send Authorization: Bearer <RONGSYNC_ADMIN_TOKEN>, or log in at /login',
  };
}
