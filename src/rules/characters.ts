// The characters that are never harmless in an id, and that must never reach a reader raw: control
// characters (they drive terminals, and a newline forges a line of output) and the bidirectional
// formatting characters (invisible, they reorder the text around them, so two ids that look alike
// differ, or a report line reads backwards). The id rules (ids.ts) refuse them; every text output
// shows them as escapes (terminalSafe). Defined once here so the two can never disagree.

/** C0 controls U+0000–U+001F (tab and newline included), DEL U+007F, C1 controls U+0080–U+009F. */
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';
/** Line and paragraph separators U+2028/U+2029: they break lines like a newline does. */
const LINE_SEPARATOR = '\\u2028\\u2029';
/**
 * Bidirectional formatting characters: the embeddings and overrides U+202A–U+202E, the isolates
 * U+2066–U+2069, and the implicit marks U+200E (LRM), U+200F (RLM) and U+061C (ALM). The marks
 * reorder less than an override but are just as invisible, so in an id they only ever serve to
 * make two different ids look the same.
 */
const BIDI = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
/** A surrogate without its partner: not text; it is sent as U+FFFD, i.e. as a different id. */
const UNPAIRED_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

/**
 * The characters an id must not contain, as a bracket expression that JavaScript and Postgres
 * regular expressions read alike (for SQL that must leave such ids out: `id !~ $1`).
 */
export const ID_FORBIDDEN_CHARS = `[${CONTROL}${LINE_SEPARATOR}${BIDI}]`;
/** What an id must not contain. */
const IN_ID = new RegExp(`${ID_FORBIDDEN_CHARS}|${UNPAIRED_SURROGATE}`);
/**
 * What a group name must not contain. Names are text people read, so line breaks and tabs are
 * allowed (RongCloud keeps them, clients show them), as are bidi marks (right-to-left names need
 * them). Any other control character is refused: it is never meant text, and nothing says RongCloud
 * would take it.
 */
const IN_NAME = new RegExp(`[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]|${UNPAIRED_SURROGATE}`);
/** What is escaped whenever app data is shown. */
const UNSAFE_TO_SHOW = new RegExp(ID_FORBIDDEN_CHARS, 'g');

type CharClass = 'control character' | 'line separator' | 'bidirectional control' | 'unpaired surrogate';

export interface ForbiddenChar {
  /** Position in UTF-16 code units. */
  index: number;
  /** The offending code unit (a code point below U+D800 for every class but unpaired surrogates). */
  code: number;
  kind: CharClass;
}

function classify(code: number): CharClass {
  if (code <= 0x9f) return 'control character';
  if (code === 0x2028 || code === 0x2029) return 'line separator';
  if (code >= 0xd800 && code <= 0xdfff) return 'unpaired surrogate';
  return 'bidirectional control';
}

function find(re: RegExp, s: string): ForbiddenChar | null {
  const m = re.exec(s);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  return { index: m.index, code, kind: classify(code) };
}

/** The first character an id must not contain, or null. */
export function forbiddenInId(s: string): ForbiddenChar | null {
  return find(IN_ID, s);
}

/** The first character a group name must not contain, or null. */
export function forbiddenInName(s: string): ForbiddenChar | null {
  return find(IN_NAME, s);
}

/** "U+000A". */
function codeLabel(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "control character U+000A at position 3". */
export function describeForbidden(c: ForbiddenChar): string {
  return `${c.kind} ${codeLabel(c.code)} at position ${c.index}`;
}

/**
 * App data (group ids, names, user ids, error messages) made safe to show — in a terminal, a
 * Markdown or an HTML report: control characters (ESC starts ANSI sequences; a newline would forge
 * a line), line separators and bidi controls are shown as \xNN / \uNNNN escapes.
 */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE_TO_SHOW, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
