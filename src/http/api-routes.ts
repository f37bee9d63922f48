// The JSON API under /api, for the console and for scripts. Every route is one call of the
// library (src/rongsync.ts); nothing here touches the database. Input is checked here, once, and
// a bad value is a 400 that says which parameter and what is expected; an unknown group or run is
// a 404. Values are sent as stored (ids and names raw): escaping is the business of whoever shows
// them (the console does).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONDITION_ORDER, type GroupCondition } from '../store/group-state.js';
import type { ReconcileService } from '../service/serve.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../report/index.js';
import type { Rongsync } from '../rongsync.js';
import { HttpError } from './errors.js';
import { roleOf } from './health.js';

/** Most groups one page lists (the library caps it too). */
const MAX_PAGE = 500;
/** Most runs one list returns. */
const MAX_RUNS = 200;

const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const flag = z.enum(['1', '0', 'true', 'false'], { error: 'expected 1 or 0' }).transform((v) => v === '1' || v === 'true');

const queries = {
  groups: z
    .object({
      condition: z.enum(CONDITION_ORDER as [GroupCondition, ...GroupCondition[]], { error: `expected one of ${CONDITION_ORDER.join(', ')}` }).optional(),
      after: z.string().min(1, 'must not be empty (leave it out for the first page)').optional(),
      limit: int(1, MAX_PAGE).optional(),
      search: z.string().min(1, 'must not be empty (leave it out to list every group)').max(200, 'at most 200 characters').optional(),
    })
    .strict(),
  group: z.object({ read: flag.optional() }).strict(),
  runs: z.object({ limit: int(1, MAX_RUNS).optional() }).strict(),
  report: z.object({ format: z.enum(REPORT_FORMATS, { error: `expected one of ${REPORT_FORMATS.join(', ')}` }).optional() }).strict(),
  none: z.object({}).strict(),
};

const reconcileBody = z.object({ allowDeletes: z.boolean({ error: 'expected true or false' }).optional() }).strict().optional();

/** Parses a request part with a schema; a failure is a 400 naming each bad parameter. */
function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'query' | 'body'): T {
  const input = value ?? (where === 'query' ? {} : undefined);
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown ${where} parameter(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return `${i.path.length > 0 ? i.path.join('.') : where}: ${i.message}`;
  });
  throw new HttpError(400, 'bad_request', `bad ${where}: ${problems.join('; ')}`);
}

function runParam(value: string): number | 'latest' {
  if (value === 'latest') return 'latest';
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new HttpError(400, 'bad_request', `run: expected a run id (a positive whole number) or "latest", got ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
}

type GroupRequest = FastifyRequest<{ Params: { id: string } }>;

export function registerApiRoutes(app: FastifyInstance, rongsync: Rongsync, service: ReconcileService | null): void {
  const unknownGroup = (id: string) =>
    new HttpError(404, 'unknown_group', `rongsync knows no group ${JSON.stringify(id)} (not in the groups table, never seen in RongCloud, no state recorded)`);
  /** A 404 unless rongsync knows the group: an action on a group nobody has seen is a typo. */
  const knownGroup = async (id: string): Promise<string> => {
    if ((await rongsync.unknownGroups([id])).length > 0) throw unknownGroup(id);
    return id;
  };

  app.get('/api/status', async (request) => {
    parse(queries.none, request.query, 'query');
    return { role: roleOf(service), ...(await rongsync.status()) };
  });

  app.get('/api/runs', async (request) => {
    const q = parse(queries.runs, request.query, 'query');
    return { runs: await rongsync.runs({ limit: q.limit ?? 20 }) };
  });

  app.get('/api/runs/:run', async (request: FastifyRequest<{ Params: { run: string } }>, reply: FastifyReply) => {
    const which = runParam(request.params.run);
    const q = parse(queries.report, request.query, 'query');
    const report = await rongsync.report(which);
    if (!report) throw new HttpError(404, 'run_not_found', which === 'latest' ? 'no run recorded yet' : `run ${which} not found`);
    const format = q.format ?? 'json';
    if (format === 'html') {
      // Shown framed by the console; the page's own CSP forbids scripts.
      reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'");
    }
    return reply.type(CONTENT_TYPES[format]).send(renderReport(report, format));
  });

  app.get('/api/groups', async (request) => {
    const q = parse(queries.groups, request.query, 'query');
    const limit = q.limit ?? 50;
    const groups = await rongsync.groups({ limit, ...(q.condition ? { condition: q.condition } : {}), ...(q.after ? { after: q.after } : {}), ...(q.search ? { search: q.search } : {}) });
    return { groups, next: groups.length === limit ? groups.at(-1)!.groupId : null };
  });

  app.get('/api/groups/:id', async (request: GroupRequest) => {
    const q = parse(queries.group, request.query, 'query');
    const explained = await rongsync.explain(request.params.id, { read: q.read ?? false });
    if (!explained) throw unknownGroup(request.params.id);
    return explained;
  });

  app.get('/api/quarantined', async (request) => {
    parse(queries.none, request.query, 'query');
    return { groups: await rongsync.quarantined() };
  });

  app.get('/api/paused', async (request) => {
    parse(queries.none, request.query, 'query');
    return { groups: await rongsync.paused() };
  });

  app.post('/api/groups/:id/reconcile', async (request: GroupRequest) => {
    const body = parse(reconcileBody, request.body, 'body');
    const id = await knownGroup(request.params.id);
    const outcome = await rongsync.reconcileNow([id], body?.allowDeletes ? { allowDeletes: true } : {});
    return { groupId: id, run: outcome.run, verdict: outcome.verdict, knownDrift: outcome.knownDrift };
  });

  app.post('/api/groups/:id/pause', async (request: GroupRequest) => {
    const id = await knownGroup(request.params.id);
    await rongsync.pause([id]);
    return { groupId: id, paused: true };
  });

  app.post('/api/groups/:id/resume', async (request: GroupRequest) => {
    const id = await knownGroup(request.params.id);
    const { notPaused } = await rongsync.resume([id]);
    return { groupId: id, paused: false, wasPaused: notPaused.length === 0 };
  });

  app.post('/api/groups/:id/release', async (request: GroupRequest) => {
    const id = await knownGroup(request.params.id);
    await rongsync.release([id]);
    return { groupId: id, released: true };
  });
}
