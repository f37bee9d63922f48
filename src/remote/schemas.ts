// Zod schemas at both edges of the remote: the inputs of GroupClient (checked against GroupLimits
// before any request, so a bad id fails here with a message naming the field and limit rather than
// as a 1002 from RongCloud after using rate quota), and the bodies RongCloud answers with.
import { z } from 'zod';
import type { GroupLimits } from '../config/load.js';
import { describeProblem, groupIdProblem, groupNameProblem, userIdProblem, type TextProblem } from '../rules/ids.js';
import { RemoteValidationError, type RemoteErrorContext } from './errors.js';

// ---------------------------------------------------------------- inputs

interface CheckParams {
  /** An id or name broke a rule of src/rules/ids.ts (the same the planner and the emulator apply). */
  text?: TextProblem;
  /** What the checked string is, for the message: "a group id". */
  what?: string;
  /** A list is longer than `limit`. */
  limit?: number;
  /** The setting that holds the limit, named in the message so the operator knows what to change. */
  setting?: string;
  problem?: string;
}

/** A string checked by one of the id/name rules; `what` names it in messages ("a group id"). */
function text(what: string, check: (v: string) => TextProblem | null, setting: string) {
  return z.string({ error: 'must be a string' }).superRefine((v, ctx) => {
    const p = check(v);
    if (p) ctx.addIssue({ code: 'custom', message: `${what} ${describeProblem(p)}`, params: { text: p, what, setting } satisfies CheckParams });
  });
}

function atMostItems<T extends z.ZodType<unknown[]>>(schema: T, limit: number, setting: string): T {
  return schema.refine((v) => v.length <= limit, { params: { limit, setting } satisfies CheckParams }) as unknown as T;
}

const nonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: 'must be an array of user ids' }).refine((a) => a.length > 0, { params: { problem: 'must not be an empty list' } satisfies CheckParams });

export function inputSchemas(limits: GroupLimits) {
  const groupId = text('a group id', (v) => groupIdProblem(v, limits.groupIdMax), 'RONGCLOUD_GROUP_ID_MAX');
  const groupName = text('a group name', (v) => groupNameProblem(v, limits.groupNameMax), 'RONGCLOUD_GROUP_NAME_MAX');
  const userId = text('a user id', (v) => userIdProblem(v, limits.userIdMax), 'RONGCLOUD_USER_ID_MAX');
  const memberIds = atMostItems(nonEmptyList(userId), limits.maxMembersPerGroup, 'RONGCLOUD_MAX_MEMBERS_PER_GROUP');
  // Removal lists are not bounded by the group size (kicking ids that are not members is harmless).
  const removeIds = nonEmptyList(userId);

  return {
    sync: z.object({
      id: userId,
      groups: atMostItems(z.array(z.object({ id: groupId, name: groupName })), limits.maxGroupsPerUser, 'RONGCLOUD_MAX_GROUPS_PER_USER'),
    }),
    create: z.object({ id: groupId, name: groupName, memberIds }),
    invite: z.object({ id: groupId, memberIds, name: groupName.optional() }),
    join: z.object({ id: groupId, memberId: userId, name: groupName.optional() }),
    quit: z.object({ id: groupId, memberId: userId }),
    kick: z.object({ id: groupId, memberIds: removeIds }),
    dismiss: z.object({ id: groupId, operator: userId }),
    refresh: z.object({ id: groupId, name: groupName }),
    getMembers: z.object({ id: groupId }),
    userGroups: z.object({ id: userId }),
  };
}

export type InputSchemas = ReturnType<typeof inputSchemas>;

/** Parses `input` or throws RemoteValidationError for its first problem. */
export function validateInput<T>(schema: z.ZodType<T>, input: unknown, ctx: RemoteErrorContext): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  const params: CheckParams = (issue.code === 'custom' ? (issue.params as CheckParams | undefined) : undefined) ?? {};
  let problem: string;
  let limit: number | undefined;
  let length: number | undefined;
  const t = params.text;
  if (t?.kind === 'too_long') {
    limit = t.limit;
    length = t.length;
    problem = `is ${t.described}, over the limit of ${limit} (${params.setting})`;
  } else if (t) {
    problem = clientWording(t, params.what ?? 'this value');
    length = typeof value === 'string' ? value.length : undefined;
  } else if (params.limit !== undefined && Array.isArray(value)) {
    limit = params.limit;
    length = value.length;
    problem = `is ${length} items, over the limit of ${limit} (${params.setting})`;
  } else if (params.problem) {
    problem = params.problem;
    length = Array.isArray(value) ? value.length : undefined;
  } else {
    problem = issue.message;
  }
  throw new RemoteValidationError({ ...ctx, field: field || 'input', limit, length, problem });
}

/** "must not be empty (a group id)", "contains control character U+000A at position 3, not allowed in a group id". */
function clientWording(p: TextProblem, what: string): string {
  switch (p.kind) {
    case 'empty':
      return `must not be empty (${what})`;
    case 'blank':
      return `must not be only whitespace (${what})`;
    case 'padded':
      return `must not have leading or trailing whitespace (${what})`;
    default:
      return `${describeProblem(p)}, not allowed in ${what}`;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

// ---------------------------------------------------------------- responses

/** Any RongCloud body: a numeric `code`, an `errorMessage` on errors. */
export const envelopeSchema = z.looseObject({
  code: z.number().int(),
  errorMessage: z.string().optional(),
});

export const okSchema = z.looseObject({ code: z.literal(200) });

/** `/group/user/query.json`: the wire field is `users`. */
export const groupMembersSchema = z.looseObject({
  code: z.literal(200),
  users: z.array(z.looseObject({ id: z.string() })),
});

/** `/user/group/query.json`. */
export const userGroupsSchema = z.looseObject({
  code: z.literal(200),
  groups: z.array(z.looseObject({ id: z.string(), name: z.string() })),
});

/** "users[3].id: expected string, received number" — names what was wrong. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${formatPath(i.path) || '(body)'}: ${i.message}`)
    .join('; ');
}
