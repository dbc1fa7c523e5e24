import { z } from 'zod';

// Every string a client sends ends up in JSON that PostgreSQL stores (jsonb) or in a text column.
// PostgreSQL refuses a lone UTF-16 surrogate in JSON (`\ud800` is "invalid input syntax for type
// json") and NUL anywhere (`\u0000` in jsonb, 0x00 in text), so such a string must be refused at
// the door, where the one client who sent it hears why, and never reach a group commit.

/**
 * What a string may hold besides well-formed Unicode without NUL:
 * - `line`: identifiers, tokens, names, versions. No control character at all (C0, DEL, C1).
 * - `text`: free text a person typed (chat). Tab, line feed and carriage return are allowed (they
 *   mean something in text); every other control character is refused.
 */
export type TextKind = 'line' | 'text';

export type IllFormedReason = 'lone_surrogate' | 'nul' | 'control';

export interface IllFormed {
  /** UTF-16 index of the first offending code unit. */
  index: number;
  /** The offending code unit as `U+XXXX`, never the character itself (it may not print). */
  codePoint: string;
  reason: IllFormedReason;
}

/** The `params.reason` of the zod issue a refused string raises, for mapping it to an error code. */
export const ILL_FORMED_TEXT = 'ill_formed_text';

const hex = (unit: number) => `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;

function isControl(unit: number, kind: TextKind): boolean {
  if (unit < 0x20) return !(kind === 'text' && (unit === 0x09 || unit === 0x0a || unit === 0x0d));
  return unit === 0x7f || (kind === 'line' && unit >= 0x80 && unit <= 0x9f);
}

/** The first character PostgreSQL or the contract refuses in `s`, or undefined when it is fine. */
export function findIllFormed(s: string, kind: TextKind = 'line'): IllFormed | undefined {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1); // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a well-formed pair
        continue;
      }
      return { index: i, codePoint: hex(unit), reason: 'lone_surrogate' };
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return { index: i, codePoint: hex(unit), reason: 'lone_surrogate' };
    if (unit === 0) return { index: i, codePoint: hex(unit), reason: 'nul' };
    if (isControl(unit, kind)) return { index: i, codePoint: hex(unit), reason: 'control' };
  }
  return undefined;
}

const REASON_TEXT: Record<IllFormedReason, string> = {
  lone_surrogate: 'a lone UTF-16 surrogate',
  nul: 'a NUL character',
  control: 'a control character',
};

/** A sentence for people: names the code point and where it is, never echoes it. */
export function describeIllFormed(bad: IllFormed): string {
  return `contains ${REASON_TEXT[bad.reason]} (${bad.codePoint}) at index ${bad.index}`;
}

/**
 * A string schema that refuses what `findIllFormed` finds. Chain length and pattern checks after it
 * (`wellFormedString('line').min(1).max(128)`); its issue comes first and stops the others, so the
 * answer names the real problem.
 */
export function wellFormedString(kind: TextKind = 'line') {
  return z.string().check((ctx) => {
    const bad = findIllFormed(ctx.value, kind);
    if (!bad) return;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: describeIllFormed(bad),
      params: { reason: ILL_FORMED_TEXT, found: bad },
      continue: false, // explicitly: length checks would otherwise still run
    });
  });
}

/**
 * Bidirectional formatting controls: embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069) and the implicit marks (U+200E LRM, U+200F RLM, U+061C ALM). One U+202E turns
 * "evil" into "live" on every screen that shows the text, and lets a message or name pose as
 * something it is not, so the server removes them (it does not refuse them: they arrive pasted
 * with ordinary right-to-left text) from chat, emotes and names before anything is decided or
 * stored. Right-to-left letters themselves stay; their direction is the reader's renderer's job.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** `s` without its bidirectional controls (see BIDI_CONTROLS); other characters untouched. */
export function stripBidiControls(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}

/** Whether a zod issue is the refusal of an ill-formed string. */
export function isIllFormedIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && (issue as { params?: { reason?: unknown } }).params?.reason === ILL_FORMED_TEXT;
}

/**
 * The first ill-formed string anywhere in a JSON value (object keys included), with its path: the
 * check for whole messages whose shape is loose (an action's payload), before they are stored.
 */
export function findIllFormedDeep(value: unknown, kind: TextKind = 'text', path: string[] = []): (IllFormed & { path: string }) | undefined {
  if (typeof value === 'string') {
    const bad = findIllFormed(value, kind);
    return bad && { ...bad, path: path.join('.') };
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = findIllFormedDeep(v, kind, [...path, String(i)]);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const badKey = findIllFormed(k, 'line');
      if (badKey) return { ...badKey, path: [...path, '(key)'].join('.') };
      const bad = findIllFormedDeep(v, kind, [...path, k]);
      if (bad) return bad;
    }
  }
  return undefined;
}
