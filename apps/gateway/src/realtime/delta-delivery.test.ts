import type { Delta } from './delta';
import { DeltaDelivery } from './delta-delivery';
import { textFrame } from './ws-frame';

const d = (prevSeq: number, seq: number): Delta => ({ type: 'event.state_delta', worldId: 'w', seq, prevSeq, full: false, changes: [{ op: 'character.left', id: `c${seq}` }] });
const encode = (f: Delta) => {
  const payload = Buffer.from(JSON.stringify(f));
  return { payload, wire: textFrame(payload) };
};

/** A socket that records what was sent, shared frames and its own alike. */
function fakeSocket() {
  const sent: Delta[] = [];
  const send = (data: string | Buffer) => sent.push(JSON.parse(data.toString()) as Delta);
  const ws = { isOpen: true, bufferedAmount: 0, send, sendShared: (f: { payload: Buffer }) => (send(f.payload), true) };
  return { ws, sent };
}

describe('DeltaDelivery', () => {
  function delivery() {
    const { ws, sent } = fakeSocket();
    const asked: Array<number | undefined> = [];
    const dd = new DeltaDelivery(ws, 1 << 20, (from) => asked.push(from));
    return { dd, sent, asked };
  }

  it('sends a frame that continues the client, and drops what it already holds', () => {
    const { dd, sent, asked } = delivery();
    dd.release(10);
    const f = d(10, 12);
    dd.receive(f, encode(f), [d(10, 11), d(11, 12)]);
    dd.receive(d(8, 10), encode(d(8, 10)), [d(8, 10)]);
    expect(sent.map((m) => [m.prevSeq, m.seq])).toEqual([[10, 12]]);
    expect(asked).toEqual([]);
  });

  it('delivers what was held during a snapshot from its seq on, in its own frame', () => {
    const { dd, sent } = delivery();
    dd.hold();
    const f = d(10, 13);
    dd.receive(f, encode(f), [d(10, 12), d(12, 13)]);
    dd.release(12);
    expect(sent.map((m) => [m.prevSeq, m.seq])).toEqual([[12, 13]]);
  });

  it('asks for a replay from the client seq on a hole, and on a frame starting before it', () => {
    const hole = delivery();
    hole.dd.release(10);
    hole.dd.receive(d(11, 12), encode(d(11, 12)), [d(11, 12)]);
    expect(hole.asked).toEqual([10]);
    expect(hole.sent).toEqual([]);

    const straddle = delivery(); // a snapshot folded from the log at 105; the projector's frame is 100..120
    straddle.dd.release(105);
    straddle.dd.receive(d(100, 120), encode(d(100, 120)), [d(100, 120)]);
    expect(straddle.asked).toEqual([105]);
    expect(straddle.sent).toEqual([]);
  });

  it('asks for one catch-up at a time: frames arriving before it is delivered are held, not asked for again, and flow after it', () => {
    const { dd, sent, asked } = delivery();
    dd.release(10);
    for (const [a, b] of [
      [11, 12],
      [12, 13],
      [13, 14],
    ])
      dd.receive(d(a!, b!), encode(d(a!, b!)), [d(a!, b!)]);
    expect(asked).toEqual([10]); // not once per frame: each would replay from 10 after the client moved on
    expect(sent).toEqual([]);
    // The catch-up runs (it holds afresh: the replay covers what the gateway saw), the client gets
    // frames up to 14 from it, and the next live frame continues from there.
    dd.hold();
    dd.release(14);
    dd.receive(d(14, 15), encode(d(14, 15)), [d(14, 15)]);
    expect(sent.map((m) => [m.prevSeq, m.seq])).toEqual([[14, 15]]);
    // A later hole asks again.
    dd.receive(d(16, 17), encode(d(16, 17)), [d(16, 17)]);
    expect(asked).toEqual([10, 15]);
  });

  /** A delivery with an area of interest whose share is `keep`'s changes of each frame, on a fake clock. */
  function shared(keep: (f: Delta) => boolean, idleMs = 1000) {
    const { ws, sent } = fakeSocket();
    const sharedWrites: Buffer[] = [];
    const sendShared = ws.sendShared;
    ws.sendShared = (f: { payload: Buffer }) => (sharedWrites.push(f.payload), sendShared(f));
    const clock = { now: 0 };
    const shaped: number[] = [];
    const asked: Array<number | undefined> = [];
    const dd = new DeltaDelivery(
      ws,
      1 << 20,
      (from) => asked.push(from),
      undefined,
      { shape: (f) => (shaped.push(f.seq), keep(f) ? f.changes : []), idleMs },
      () => clock.now,
    );
    const feed = (f: Delta, parts = [f]) => dd.receive(f, encode(f), parts, clock.now);
    return { dd, sent, sharedWrites, shaped, clock, asked, feed };
  }
  const seqs = (sent: Delta[]) => sent.map((m) => [m.prevSeq, m.seq, m.changes.length]);

  it('with an area of interest, skips a frame whose share is empty and starts the next share at the client seq', () => {
    const { dd, sent, shaped, feed } = shared((f) => f.seq % 2 === 0);
    dd.release(10);
    expect([feed(d(10, 11)), feed(d(11, 12)), feed(d(12, 13)), feed(d(13, 15))]).toEqual([0, 1, 0, 0]);
    expect(feed(d(15, 16))).toBe(1);
    // Every frame was shaped in order (the lens is fed), only the non-empty shares were written,
    // each starting where the client is: 10..12, then 12..16 (13..15 held nothing for it).
    expect(shaped).toEqual([11, 12, 13, 15, 16]);
    expect(seqs(sent)).toEqual([
      [10, 12, 1],
      [12, 16, 1],
    ]);
    expect(dd.lastSeq).toBe(16);
  });

  it('sends a seq-only frame to a client skipped for idleMs: at a skipped frame, or when the world goes quiet', () => {
    const { dd, sent, sharedWrites, clock, feed } = shared(() => false, 1000);
    dd.release(10);
    clock.now = 500;
    expect(feed(d(10, 11))).toBe(0);
    expect(dd.idle(999)).toBe(0); // not idle long enough
    clock.now = 1000;
    expect(feed(d(11, 12))).toBe(1); // 1000 ms since the release: a seq-only frame 10..12
    clock.now = 1500;
    feed(d(12, 13));
    expect(dd.idle(2000)).toBe(1); // the world went quiet: 12..13, the world frame's own seq-only bytes
    expect(dd.idle(5000)).toBe(0); // nothing new since
    expect(seqs(sent)).toEqual([
      [10, 12, 0],
      [12, 13, 0],
    ]);
    expect(sharedWrites).toHaveLength(1);
  });

  it('asks a replay from the client seq, not the stream seq, on a hole after skipped frames', () => {
    const { dd, asked, feed } = shared(() => false);
    dd.release(10);
    feed(d(10, 11));
    feed(d(12, 13)); // 11..12 missed by this gateway
    expect(asked).toEqual([10]);
  });

  it('a merged run for a slow client is its share too, skipped when empty', () => {
    const { ws, sent } = fakeSocket();
    const dd = new DeltaDelivery(
      ws,
      100,
      () => undefined,
      undefined,
      { shape: (f) => f.changes.filter((c) => c.op === 'character.left' && c.id !== 'c11'), idleMs: 1000 },
      () => 0,
    );
    dd.release(10);
    ws.bufferedAmount = 1000; // slow: merged frames once it drains
    dd.receive(d(10, 11), encode(d(10, 11)), [d(10, 11)]);
    ws.bufferedAmount = 0;
    dd.receive(d(11, 12), encode(d(11, 12)), [d(11, 12)]);
    expect(seqs(sent)).toEqual([[10, 12, 1]]);
  });

  it('without an area of interest, every client gets the shared frame, empty or not', () => {
    const { ws, sent } = fakeSocket();
    const dd = new DeltaDelivery(ws, 1 << 20, () => undefined);
    dd.release(10);
    const empty = { ...d(10, 11), changes: [] };
    expect(dd.receive(empty, encode(empty), [empty])).toBe(1);
    expect(dd.idle()).toBe(0);
    expect(seqs(sent)).toEqual([[10, 11, 0]]);
  });
});
