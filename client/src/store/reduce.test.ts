import { initialState } from './state';
import { reduce } from './reduce';
import { applied, character, chatIntent, delta, full, handshake, liveState, ME, moved, OTHER, rejected, run, send, snapshot } from '../test/fixtures';

describe('game store: snapshots and deltas', () => {
  it('takes the whole world from a full snapshot', () => {
    const s = liveState();
    expect(s).toMatchObject({ worldId: 'w', seq: 10, awaitingSnapshot: false, gap: null });
    expect(Object.keys(s.characters).sort()).toEqual([ME, OTHER]);
    expect(s.items.apple1).toEqual({ id: 'apple1', kind: 'apple', x: 2, y: 1 });
    expect(s.map?.tiles[2]).toBe('#..~..#');
  });

  it('applies a delta whose prevSeq is the seq held, every op in order', () => {
    const s = run(
      liveState(),
      delta(10, 13, [
        { op: 'character.joined', character: character('c3', 3, 3) },
        moved(OTHER, 4, 1, 'west'),
        { op: 'chat.message', message: { id: 'm1', from: { id: OTHER, name: 'Other' }, text: '<b>hi</b>', at: '2025-01-01T00:00:00Z' } },
        { op: 'item.removed', itemId: 'apple1' },
        { op: 'item.placed', item: { id: 'gem1', kind: 'gem', x: 4, y: 3 } },
        { op: 'inventory.changed', characterId: OTHER, inventory: [{ id: 'apple1', kind: 'apple' }] },
        { op: 'emote', characterId: OTHER, emote: 'wave' },
        { op: 'character.left', id: 'c3' },
      ]),
    );
    expect(s.seq).toBe(13);
    expect(s.characters[OTHER]).toMatchObject({ x: 4, y: 1, facing: 'west', inventory: [{ id: 'apple1', kind: 'apple' }] });
    expect(s.characters.c3).toBeUndefined();
    expect(s.chat.map((m) => m.text)).toEqual(['<b>hi</b>']);
    expect(Object.keys(s.items)).toEqual(['gem1']);
    expect(s.emotes[OTHER]).toEqual({ emote: 'wave', at: 1000 });
  });

  it('does not change the state it was given', () => {
    const before = liveState();
    const copy = JSON.parse(JSON.stringify(before)) as typeof before;
    run(before, delta(10, 11, [moved(OTHER, 4, 1), { op: 'item.removed', itemId: 'apple1' }]));
    expect(JSON.parse(JSON.stringify(before))).toEqual(copy);
  });

  it('ignores deltas before the first snapshot, of another world, and ones already held', () => {
    const waiting = run(initialState(ME), handshake(), delta(10, 11, [moved(OTHER, 4, 1)]));
    expect(waiting.seq).toBeNull();
    const s = liveState();
    expect(run(s, delta(10, 11, [moved(OTHER, 4, 1)], 'elsewhere'))).toBe(s);
    expect(run(s, delta(9, 10, [moved(OTHER, 4, 1)]))).toBe(s);
  });

  it('keeps a chat message once when a replay repeats it', () => {
    const msg = { op: 'chat.message' as const, message: { id: 'm1', from: { id: OTHER, name: 'Other' }, text: 'hi', at: '2025-01-01T00:00:00Z' } };
    const s = run(liveState(), delta(10, 11, [msg]), delta(11, 12, [msg]));
    expect(s.chat).toHaveLength(1);
  });
});

describe('game store: gaps', () => {
  it('on a gap applies nothing and asks for a resync from the last seq held, once', () => {
    const s = run(liveState(), delta(12, 13, [moved(OTHER, 4, 1)]));
    expect(s).toMatchObject({ seq: 10, gap: { lastSeq: 10, requested: false } });
    expect(s.characters[OTHER]).toMatchObject({ x: 5 });
    const sent = run(s, { type: 'resync.sent' }, delta(13, 14, [moved(OTHER, 3, 1)]));
    expect(sent.gap).toEqual({ lastSeq: 10, requested: true });
    expect(sent.stats.gaps).toBe(1);
  });

  it('a full snapshot ends the gap', () => {
    const s = run(liveState(), delta(12, 13, []), { type: 'resync.sent' }, full(14, snapshot(14, [character(ME, 1, 1), character(OTHER, 3, 1)])));
    expect(s).toMatchObject({ seq: 14, gap: null });
    expect(s.characters[OTHER]).toMatchObject({ x: 3 });
    expect(run(s, delta(14, 15, [moved(OTHER, 2, 1)])).characters[OTHER]).toMatchObject({ x: 2 });
  });

  it('a resumed handshake continues from the seq held; a fresh one waits for the snapshot', () => {
    const resumed = run(liveState(), { type: 'connection.lost' }, handshake(true), delta(10, 11, [moved(OTHER, 4, 1)]));
    expect(resumed.seq).toBe(11);
    const fresh = run(liveState(), { type: 'connection.lost' }, handshake(false), delta(10, 11, [moved(OTHER, 4, 1)]));
    expect(fresh).toMatchObject({ seq: 10, awaitingSnapshot: true, gap: null });
  });
});

describe('game store: server notices', () => {
  it('shows a banner per degraded dependency until it recovers', () => {
    const s = run(liveState(), { type: 'event.degraded', dependency: 'redis', status: 'degraded', message: 'Redis is down; play goes on' });
    expect(s.degraded).toEqual({ redis: { status: 'degraded', message: 'Redis is down; play goes on' } });
    expect(run(s, { type: 'event.degraded', dependency: 'redis', status: 'recovered', message: 'ok' }).degraded).toEqual({});
  });

  it('tells the player why a chat message or action was refused, but not a blocked move', () => {
    let s = send(liveState(), chatIntent(1, 'x'));
    s = run(s, { type: 'event.ack', intentSeq: 1, status: 'rejected', error: { code: 'CHAT_TOO_LONG', category: 'validation', message: 'too long', retryable: false } });
    expect(s.pending).toEqual([]);
    expect(s.notices.map((n) => n.text)).toEqual(['Message not sent: too long']);
    s = send(s, { type: 'intent.action', intentSeq: 2, payload: { action: 'pickup', itemId: 'apple1' } });
    s = run(s, rejected(2, 'NOT_ADJACENT'));
    expect(s.notices.map((n) => n.text)).toEqual(['Message not sent: too long', 'Pick up refused: not_adjacent']);
    s = send(s, { type: 'intent.move', intentSeq: 3, payload: { direction: 'north' } });
    expect(run(s, rejected(3, 'MOVE_INTO_WALL')).notices).toHaveLength(2);
    expect(reduce(s, { type: 'notice.dismiss', id: s.notices[0]!.id }).notices).toHaveLength(1);
  });

  const limited = (intentSeq: number, retryAfterMs = 1800) => ({
    type: 'event.error' as const,
    intentSeq,
    error: { code: 'RATE_LIMITED', category: 'rate_limited' as const, message: 'chat: 5 per 10 s', retryable: true, retryAfterMs },
  });

  it('holds a rate-limited chat message to send again after retryAfterMs; refuses a rate-limited move', () => {
    let s = send(liveState(), chatIntent(1, 'sixth message'));
    s = run(s, limited(1)); // `now` is 1000 in these tests
    expect(s.pending).toEqual([expect.objectContaining({ sent: false, holdUntil: 2800 })]);
    expect(s.notices).toEqual([]);
    s = send(s, { type: 'intent.move', intentSeq: 2, payload: { direction: 'east' } });
    s = run(s, { ...limited(2), error: { ...limited(2).error, message: 'move: 20 per 1 s' } });
    expect(s.pending.map((p) => p.intent.intentSeq)).toEqual([1]);
    expect(s.notices.map((n) => n.text)).toEqual(['Move refused: move: 20 per 1 s']);
  });

  it('holds a chat message refused UNAVAILABLE (an outage) to send again; refuses a move the same way as before', () => {
    const unavailable = (intentSeq: number) => ({
      type: 'event.ack' as const,
      intentSeq,
      status: 'rejected' as const,
      error: { code: 'UNAVAILABLE', category: 'unavailable' as const, message: 'the event log (PostgreSQL) is unreachable', retryable: true, retryAfterMs: 1000 },
    });
    let s = send(liveState(), chatIntent(1, 'during the outage'));
    s = run(s, unavailable(1));
    expect(s.pending).toEqual([expect.objectContaining({ sent: false, holdUntil: 2000 })]);
    s = send(s, { type: 'intent.move', intentSeq: 2, payload: { direction: 'east' } });
    s = run(s, unavailable(2));
    expect(s.pending.map((p) => p.intent.intentSeq)).toEqual([1]);
  });

  it('gives a chat message whose intentSeq went stale a new one instead of dropping it', () => {
    let s = send(liveState(), chatIntent(5, 'late'));
    s = run(s, { type: 'event.ack', intentSeq: 5, status: 'duplicate', originalStatus: 'rejected', error: { code: 'INTENT_SEQ_STALE', category: 'conflict', message: 'stale', retryable: false } });
    expect(s.pending).toEqual([expect.objectContaining({ sent: false, renumber: true })]);
    s = run(s, { type: 'intent.renumbered', from: 5, to: 9 }, { type: 'intent.sent', intentSeq: 9 }, applied(9, 11));
    expect(s.pending).toEqual([expect.objectContaining({ intent: chatIntent(9, 'late'), appliedSeq: 11, renumber: false })]);
  });

  it('keeps a chat message pending until the world has it', () => {
    let s = send(liveState(), chatIntent(1, 'hello'));
    s = run(s, applied(1, 11));
    expect(s.pending).toHaveLength(1);
    s = run(s, delta(10, 11, [{ op: 'chat.message', message: { id: 'm1', from: { id: ME, name: 'Me' }, text: 'hello', at: '2025-01-01T00:00:00Z' } }]));
    expect(s.pending).toEqual([]);
    expect(s.chat.map((m) => m.text)).toEqual(['hello']);
  });
});
