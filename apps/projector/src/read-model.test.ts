import type { EventEnvelope } from '@tilemud/runtime';
import { CHAT_KEEP, CharacterRow, foldEvents } from './read-model';

const at = (n: number) => `2026-01-01T00:00:0${n}.000Z`;
const ev = (seq: number, type: string, data: Record<string, unknown>): EventEnvelope => ({ worldId: 'w', seq, type, data, characterId: null, intentSeq: null, recordedAt: at(seq % 10) });

describe('folding events into read-model rows', () => {
  it('given a character entered and moved in one batch, then one row at its last position', () => {
    const rows = foldEvents(
      () => undefined,
      [
        ev(1, 'character.entered', { characterId: 'a', name: 'Ann', x: 1, y: 1, facing: 'south', sessionId: 's', inventory: [] }),
        ev(2, 'character.moved', { characterId: 'a', x: 2, y: 1, facing: 'east' }),
      ],
    );
    expect(rows.characters).toEqual([{ id: 'a', name: 'Ann', world_id: 'w', x: 2, y: 1, facing: 'east', online: true, away: false, inventory: [], last_seq: 2, updated_at: at(2), epoch: 0 }]);
    expect(rows.chat).toEqual([]);
  });

  it('given a stored row, a move and a leave update it; a session change leaves it as it was', () => {
    const stored: CharacterRow = { id: 'a', name: 'Ann', world_id: 'w', x: 5, y: 5, facing: 'north', online: true, away: false, inventory: [], last_seq: 7, updated_at: at(7), epoch: 0 };
    expect(foldEvents(() => stored, [ev(8, 'character.session_changed', { characterId: 'a', sessionId: 's2' })]).characters).toEqual([]);
    const rows = foldEvents((id) => (id === 'a' ? stored : undefined), [ev(8, 'character.moved', { characterId: 'a', x: 5, y: 4, facing: 'north' }), ev(9, 'character.left', { characterId: 'a' })]);
    expect(rows.characters).toEqual([{ ...stored, y: 4, online: false, last_seq: 9, updated_at: at(9) }]);
  });

  it('keeps chat with its sender and time, at most the last 50 of a batch', () => {
    const events = Array.from({ length: CHAT_KEEP + 5 }, (_, i) => ev(i + 1, 'chat.posted', { messageId: `m${i + 1}`, characterId: 'a', name: 'Ann', channel: 'world', text: `t${i + 1}`, at: at(1) }));
    const { chat } = foldEvents(() => undefined, events);
    expect(chat).toHaveLength(CHAT_KEEP);
    expect(chat[0]).toEqual({ world_id: 'w', seq: 6, message_id: 'm6', character_id: 'a', name: 'Ann', text: 't6', at: at(1) });
  });
});

describe('items and portal crossings in the read model', () => {
  const evW = (worldId: string, seq: number, type: string, data: Record<string, unknown>): EventEnvelope => ({ ...ev(seq, type, data), worldId });
  const handover = (epoch: number, from: string, to: string) => ({
    handoverId: `a:${epoch}`,
    characterId: 'a',
    name: 'Ann',
    sessionId: 's',
    fromWorldId: from,
    toWorldId: to,
    toX: 1,
    toY: 1,
    facing: 'east',
    inventory: [],
    epoch,
  });

  it('places seeded items, removes picked ones and places dropped ones', () => {
    const rows = foldEvents(
      () => undefined,
      [
        ev(1, 'world.seeded', {
          items: [
            { id: 'i1', kind: 'apple', x: 1, y: 1 },
            { id: 'i2', kind: 'gem', x: 2, y: 2 },
          ],
        }),
        ev(2, 'character.entered', { characterId: 'a', name: 'Ann', x: 1, y: 1, facing: 'south', sessionId: 's', inventory: [] }),
        ev(3, 'item.picked_up', { characterId: 'a', item: { id: 'i1', kind: 'apple', x: 1, y: 1 }, inventory: [{ id: 'i1', kind: 'apple' }] }),
        ev(4, 'item.dropped', { characterId: 'a', item: { id: 'i1', kind: 'apple', x: 3, y: 3 }, inventory: [] }),
        ev(5, 'item.picked_up', { characterId: 'a', item: { id: 'i2', kind: 'gem', x: 2, y: 2 }, inventory: [{ id: 'i2', kind: 'gem' }] }),
      ],
    );
    expect(Object.fromEntries(rows.items)).toEqual({ i1: { world_id: 'w', id: 'i1', kind: 'apple', x: 3, y: 3 }, i2: null });
    expect(rows.characters[0]).toMatchObject({ inventory: [{ id: 'i2', kind: 'gem' }] });
  });

  // lobby: entered, departed(1), arrived(2); meadow: arrived(1), moved, departed(2)
  const lobby = [
    evW('lobby', 1, 'character.entered', { characterId: 'a', name: 'Ann', x: 5, y: 5, facing: 'south', sessionId: 's', inventory: [] }),
    evW('lobby', 2, 'character.departed', handover(1, 'lobby', 'meadow')),
    evW('lobby', 3, 'character.arrived', { ...handover(2, 'meadow', 'lobby'), x: 9, y: 9 }),
  ];
  const meadow = [
    evW('meadow', 1, 'character.arrived', { ...handover(1, 'lobby', 'meadow'), x: 1, y: 1 }),
    evW('meadow', 2, 'character.moved', { characterId: 'a', x: 2, y: 1, facing: 'east' }),
    evW('meadow', 3, 'character.departed', handover(2, 'meadow', 'lobby')),
  ];
  const replay = (order: EventEnvelope[][]) => {
    let row: CharacterRow | undefined;
    for (const batch of order) row = foldEvents(() => row, batch).characters[0] ?? row;
    return row;
  };

  it('ends in the same row whichever world is projected first', () => {
    const a = replay([lobby, meadow]);
    const b = replay([meadow, lobby]);
    const c = replay([[lobby[0]!], meadow.slice(0, 2), [lobby[1]!], [meadow[2]!], [lobby[2]!]]);
    expect(a).toMatchObject({ world_id: 'lobby', x: 9, y: 9, online: true, epoch: 2 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});

describe('away in the read model', () => {
  it('keeps an away character online and flagged until it is back or gone', () => {
    const enter = ev(1, 'character.entered', { characterId: 'a', name: 'Ann', x: 1, y: 1, facing: 'south', sessionId: 's', inventory: [] });
    const rowAfter = (...events: EventEnvelope[]) => foldEvents(() => undefined, events).characters[0];
    expect(rowAfter(enter, ev(2, 'character.away', { characterId: 'a' }))).toMatchObject({ online: true, away: true });
    expect(rowAfter(enter, ev(2, 'character.away', { characterId: 'a' }), ev(3, 'character.back', { characterId: 'a' }))).toMatchObject({ online: true, away: false });
    expect(rowAfter(enter, ev(2, 'character.away', { characterId: 'a' }), ev(3, 'character.left', { characterId: 'a' }))).toMatchObject({ online: false, away: false });
  });
});
