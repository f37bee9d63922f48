// One rule says which failures are about RongCloud rather than the call: the transport retries
// exactly those, and isTransient (what keeps a group out of quarantine) says yes to exactly those.
// Checked answer by answer against a real HTTP server.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isTransient } from '../../src/remote/errors.js';
import { clientFor, json, rejection, tinyServer } from './helpers.js';

type Answer = { status: number; body: unknown };
const answers: Array<[label: string, answer: Answer, transient: boolean]> = [
  ['HTTP 500 / 1000', { status: 500, body: { code: 1000 } }, true],
  ['HTTP 504 / 1050', { status: 504, body: { code: 1050 } }, true],
  ['HTTP 200 / 1000', { status: 200, body: { code: 1000 } }, true],
  ['HTTP 400 / 1050', { status: 400, body: { code: 1050 } }, true],
  ['HTTP 502 proxy page', { status: 502, body: '<html>bad gateway</html>' }, true],
  ['HTTP 503 without a code', { status: 503, body: { message: 'down' } }, true],
  ['HTTP 429 / 1008', { status: 429, body: { code: 1008 } }, true],
  ['HTTP 200 / 1008', { status: 200, body: { code: 1008 } }, true],
  ['HTTP 429 proxy page', { status: 429, body: 'slow down' }, true],
  ['HTTP 400 / 1002', { status: 400, body: { code: 1002, errorMessage: 'bad param' } }, false],
  ['HTTP 401 / 1004', { status: 401, body: { code: 1004 } }, false],
  ['HTTP 400 / 1005', { status: 400, body: { code: 1005 } }, false],
  ['HTTP 200 / 1002', { status: 200, body: { code: 1002 } }, false],
  ['HTTP 404 page', { status: 404, body: 'not found' }, false],
];

let current: Answer = answers[0]![1];
let srv: Awaited<ReturnType<typeof tinyServer>>;
beforeAll(async () => {
  srv = await tinyServer((_n, _req, res) => json(res, current.status, current.body));
});
afterAll(() => srv.close());

it.each(answers)('%s: retried = transient = %s', async (_label, answer, transient) => {
  current = answer;
  const { client, events } = clientFor(srv.url, { maxRetries: 1, retryMaxMs: 5 });
  try {
    const e = await rejection(client.getMembers({ id: 'g' }));
    expect(events.length > 1, 'retried').toBe(transient);
    expect(isTransient(e), 'isTransient').toBe(transient);
  } finally {
    client.close();
  }
});
