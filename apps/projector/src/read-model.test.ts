import type { EventEnvelope } from '@tilemud/runtime';
import { CHAT_KEEP, CharacterRow, foldEvents } from './read-model';

const at = (n: number) => `2026-01-01T00:00:0${n}.000Z`;
const ev = (seq: number, type: string, data: Record<string, unknown>): EventEnvelope => ({ worldId: 'w', seq, type, data, characterId: null, intentSeq: null, recordedAt: at(seq % 10) });

describe('folding events into read-model rows', () => {
  it('given a character entered and moved in one batch, then one row at its last position', () => {
    const rows = foldEvents(() => undefined, [
      ev(1, 'character.entered', { characterId: 'a', name: 'Ann', x: 1, y: 1, facing: 'south', sessionId: 's', inventory: [] }),
      ev(2, 'character.moved', { characterId: 'a', x: 2, y: 1, facing: 'east' }),
    ]);
    expect(rows.characters).toEqual([{ id: 'a', name: 'Ann', world_id: 'w', x: 2, y: 1, facing: 'east', online: true, inventory: [], last_seq: 2, updated_at: at(2) }]);
    expect(rows.chat).toEqual([]);
  });

  it('given a stored row, a move and a leave update it; a session change leaves it as it was', () => {
    const stored: CharacterRow = { id: 'a', name: 'Ann', world_id: 'w', x: 5, y: 5, facing: 'north', online: true, inventory: [], last_seq: 7, updated_at: at(7) };
    expect(foldEvents(() => stored, [ev(8, 'character.session_changed', { characterId: 'a', sessionId: 's2' })]).characters).toEqual([]);
    const rows = foldEvents((id) => (id === 'a' ? stored : undefined), [
      ev(8, 'character.moved', { characterId: 'a', x: 5, y: 4, facing: 'north' }),
      ev(9, 'character.left', { characterId: 'a' }),
    ]);
    expect(rows.characters).toEqual([{ ...stored, y: 4, online: false, last_seq: 9, updated_at: at(9) }]);
  });

  it('keeps chat with its sender and time, at most the last 50 of a batch', () => {
    const events = Array.from({ length: CHAT_KEEP + 5 }, (_, i) =>
      ev(i + 1, 'chat.posted', { messageId: `m${i + 1}`, characterId: 'a', name: 'Ann', channel: 'world', text: `t${i + 1}`, at: at(1) }),
    );
    const { chat } = foldEvents(() => undefined, events);
    expect(chat).toHaveLength(CHAT_KEEP);
    expect(chat[0]).toEqual({ world_id: 'w', seq: 6, message_id: 'm6', character_id: 'a', name: 'Ann', text: 't6', at: at(1) });
  });
});
