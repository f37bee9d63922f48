// GET /api/events: server-sent events that tell the console when to refresh — a run finished, this
// process became leader or went to standby. Only what happened and counts: the console fetches
// the details through the JSON API, so this stream carries no ids. A comment line every
// KEEPALIVE_MS keeps proxies from closing an idle stream.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { RunResult } from '../reconcile/run.js';
import type { ReconcileService } from '../service/serve.js';
import type { RunTrigger } from '../reconcile/types.js';
import type { Rongsync } from '../rongsync.js';

const KEEPALIVE_MS = 25_000;

export function registerLiveEvents(app: FastifyInstance, rongsync: Rongsync, service: ReconcileService | null): void {
  const streams = new Set<ServerResponse>();
  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  const onRun = (r: RunResult, trigger: RunTrigger) => send('run', { runId: r.runId, trigger, status: r.status, counts: r.counts });
  const onLeader = () => send('role', { role: 'leader' });
  const onStandby = () => send('role', { role: 'standby' });
  rongsync.events.on('run', onRun);
  service?.on('leader', onLeader);
  service?.on('standby', onStandby);
  const keepalive = setInterval(() => {
    for (const s of streams) s.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  app.get('/api/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    res.write('retry: 5000\n\n');
    streams.add(res);
    request.raw.on('close', () => streams.delete(res));
  });

  // Open streams would keep the server from closing.
  app.addHook('preClose', (done) => {
    clearInterval(keepalive);
    rongsync.events.off('run', onRun);
    service?.off('leader', onLeader);
    service?.off('standby', onStandby);
    for (const s of streams) s.end();
    streams.clear();
    done();
  });
}
