// Shared set-up for the remote-edge tests: a real emulator on a random port, a client pointed at
// it, and a tiny real HTTP server for answers the emulator cannot give (bad JSON, header capture).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type GroupLimits } from '../../src/config/load.js';
import { Secret } from '../../src/config/secret.js';
import { startEmulator } from '../../src/emulator/index.js';
import { GroupClient, type AttemptEvent, type GroupClientOptions } from '../../src/remote/group-client.js';

export const APP_KEY = 'test-app-key';
export const APP_SECRET = 'S3cr3t-never-printed';

/** The defaults of src/config/schema.ts, taken from it. */
const LIMITS: GroupLimits = loadConfig({ DATABASE_URL: 'postgres://unused@127.0.0.1/unused' }).limits;

export type Emu = Awaited<ReturnType<typeof startEmulator>>;

export async function emulator(opts: Partial<Parameters<typeof startEmulator>[0]> = {}): Promise<Emu> {
  return startEmulator({ appKey: APP_KEY, appSecret: APP_SECRET, port: 0, rateLimitPerSecond: 0, ...opts });
}

export interface TestClient {
  client: GroupClient;
  events: AttemptEvent[];
}

export function clientFor(apiUrls: string | string[], opts: Partial<GroupClientOptions> = {}): TestClient {
  const events: AttemptEvent[] = [];
  const client = new GroupClient({
    appKey: APP_KEY,
    appSecret: new Secret(APP_SECRET),
    apiUrls: Array.isArray(apiUrls) ? apiUrls : [apiUrls],
    limits: LIMITS,
    rateLimitPerSecond: 10_000,
    retryBaseMs: 5,
    retryMaxMs: 50,
    onAttempt: (e) => events.push(e),
    ...opts,
  });
  return { client, events };
}

export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Awaits `p` and returns what it rejected with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject');
}

export interface Captured {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server answering each request with `answer(n, req)` (n is 1-based); records requests. */
export async function tinyServer(
  answer: (n: number, req: Captured, res: ServerResponse) => void,
): Promise<{ url: string; requests: Captured[]; close(): Promise<void> }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const captured = { path: req.url ?? '', headers: req.headers, body };
      requests.push(captured);
      answer(requests.length, captured, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A base URL nothing listens on (a port bound then released). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
