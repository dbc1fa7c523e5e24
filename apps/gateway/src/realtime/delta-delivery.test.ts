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

  it('with an area of interest, writes each frame as the client share: same seqs, its changes, none when nothing is in view', () => {
    const { ws, sent } = fakeSocket();
    const shared: Buffer[] = [];
    const sendShared = ws.sendShared;
    ws.sendShared = (f: { payload: Buffer }) => (shared.push(f.payload), sendShared(f));
    const shaped: number[] = [];
    const dd = new DeltaDelivery(
      ws,
      1 << 20,
      () => undefined,
      undefined,
      (f) => (shaped.push(f.seq), f.seq % 2 ? [] : f.changes),
    );
    dd.release(10);
    for (const f of [d(10, 11), d(11, 12)]) dd.receive(f, encode(f), [f]);
    expect(sent).toEqual([
      { ...d(10, 11), changes: [] },
      { ...d(11, 12), changes: [{ op: 'character.left', id: 'c12' }] },
    ]);
    // The empty share is the world's seq-only frame, encoded once for every such client.
    expect(shared).toHaveLength(1);
    expect(shaped).toEqual([11, 12]);
  });
});
