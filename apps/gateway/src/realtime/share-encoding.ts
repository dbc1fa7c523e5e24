import type { Change } from '@tilemud/contracts';
import type { Delta } from './delta';

/** Each change's JSON, made once however many clients' shares hold it. */
const changeTexts = new WeakMap<Change, string>();
/** Each frame's JSON without its changes and its prevSeq (nor the braces): `"type":…,"seq":…`. */
const bodyTexts = new WeakMap<Delta, string>();

/**
 * A client's share of a world's frame (its seqs, the changes it is to see) as JSON text, from
 * pieces serialized once: with an area of interest every client's share differs, but the frame's
 * fields and most changes are the same objects for all of them. `prevSeq` is the client's own
 * when it skipped frames that held nothing for it (delta-delivery.ts): its share then covers
 * prevSeq..frame.seq. The same text as `JSON.stringify({...frame, prevSeq, changes})` up to the
 * order of the keys.
 */
export function encodeShare(frame: Delta, changes: readonly Change[], prevSeq = frame.prevSeq): string {
  if (!Number.isSafeInteger(prevSeq) || prevSeq < 0 || prevSeq >= frame.seq) throw new RangeError(`a share of the frame ending at ${frame.seq} cannot start at ${prevSeq}`);
  let body = bodyTexts.get(frame);
  if (body === undefined) {
    const { changes: _all, prevSeq: _prev, ...rest } = frame;
    body = JSON.stringify(rest).slice(1, -1);
    bodyTexts.set(frame, body);
  }
  const parts = new Array<string>(changes.length);
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    let t = changeTexts.get(c);
    if (t === undefined) changeTexts.set(c, (t = JSON.stringify(c)));
    parts[i] = t;
  }
  return `{"prevSeq":${prevSeq},${body},"changes":[${parts.join(',')}]}`;
}
