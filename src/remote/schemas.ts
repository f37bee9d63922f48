// Zod schemas at both edges of the remote: the inputs of GroupClient (checked against GroupLimits
// before any request, so a bad id fails here with a message naming the field and limit rather than
// as a 1002 from RongCloud after using rate quota), and the bodies RongCloud answers with.
import { z } from 'zod';
import type { GroupLimits } from '../config/load.js';
import { RemoteValidationError, type RemoteErrorContext } from './errors.js';

// ---------------------------------------------------------------- inputs

type Unit = 'characters' | 'bytes' | 'items';
interface CheckParams {
  limit?: number;
  unit?: Unit;
  /** The setting that holds the limit, named in the message so the operator knows what to change. */
  setting?: string;
  problem?: string;
}

const measure = (v: unknown, unit: Unit): number =>
  unit === 'bytes' ? Buffer.byteLength(String(v), 'utf8') : Array.isArray(v) ? v.length : String(v).length;

function atMost<T extends z.ZodType>(schema: T, limit: number, unit: Unit, setting: string): T {
  return schema.refine((v) => measure(v, unit) <= limit, { params: { limit, unit, setting } satisfies CheckParams }) as unknown as T;
}

const notBlank = (what: string) =>
  z.string({ error: `must be a string` }).refine((v) => v.trim().length > 0, { params: { problem: `must not be empty or whitespace (${what})` } satisfies CheckParams });

export function inputSchemas(limits: GroupLimits) {
  const groupId = atMost(notBlank('a group id'), limits.groupIdMax, 'characters', 'RONGCLOUD_GROUP_ID_MAX');
  const groupName = atMost(notBlank('a group name'), limits.groupNameMax, 'characters', 'RONGCLOUD_GROUP_NAME_MAX');
  const userId = atMost(notBlank('a user id'), limits.userIdMax, 'bytes', 'RONGCLOUD_USER_ID_MAX');
  const memberIds = atMost(
    z.array(userId, { error: 'must be an array of user ids' }).refine((a) => a.length > 0, { params: { problem: 'must not be an empty list' } satisfies CheckParams }),
    limits.maxMembersPerGroup,
    'items',
    'RONGCLOUD_MAX_MEMBERS_PER_GROUP',
  );
  // Removal lists are not bounded by the group size (kicking ids that are not members is harmless).
  const removeIds = z.array(userId, { error: 'must be an array of user ids' }).refine((a) => a.length > 0, { params: { problem: 'must not be an empty list' } satisfies CheckParams });

  return {
    sync: z.object({
      id: userId,
      groups: atMost(z.array(z.object({ id: groupId, name: groupName })), limits.maxGroupsPerUser, 'items', 'RONGCLOUD_MAX_GROUPS_PER_USER'),
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
  if (params.limit !== undefined && params.unit !== undefined) {
    limit = params.limit;
    length = measure(value, params.unit);
    problem = `is ${length} ${params.unit}, over the limit of ${limit} (${params.setting})`;
  } else if (params.problem) {
    problem = params.problem;
    length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  } else if (issue.code === 'too_small') {
    limit = Number(issue.minimum);
    length = Array.isArray(value) ? value.length : undefined;
    problem = params.problem ?? `is too short (minimum ${limit})`;
  } else {
    problem = issue.message;
  }
  throw new RemoteValidationError({ ...ctx, field: field || 'input', limit, length, problem });
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
