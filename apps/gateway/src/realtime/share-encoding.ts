import type { Change } from '@tilemud/contracts';
import type { Delta } from './delta';

/** Each change's JSON, made once however many clients' shares hold it. */
const changeTexts = new WeakMap<Change, string>();
/** Each frame's JSON without its changes (and without the closing brace). */
const headTexts = new WeakMap<Delta, string>();

/**
 * A client's share of a world's frame (its seqs, the changes it is to see) as JSON text, from
 * pieces serialized once: with an area of interest every client's share differs, but the frame's
 * fields and most changes are the same objects for all of them. The same text as
 * `JSON.stringify({...frame, changes})` up to the order of the keys.
 */
export function encodeShare(frame: Delta, changes: readonly Change[]): string {
  let head = headTexts.get(frame);
  if (head === undefined) {
    const { changes: _all, ...rest } = frame;
    head = JSON.stringify(rest).slice(0, -1);
    headTexts.set(frame, head);
  }
  const parts = new Array<string>(changes.length);
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    let t = changeTexts.get(c);
    if (t === undefined) changeTexts.set(c, (t = JSON.stringify(c)));
    parts[i] = t;
  }
  return `${head},"changes":[${parts.join(',')}]}`;
}
