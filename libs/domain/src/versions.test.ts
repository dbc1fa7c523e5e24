import { EVENT_VERSIONS, EventVersionError, upcast } from './versions';
import { WORLD_EVENT_TYPES } from './events';

describe('event versions and upcasters', () => {
  it('has a version for every event type', () => {
    expect(Object.keys(EVENT_VERSIONS).sort()).toEqual([...WORLD_EVENT_TYPES].sort());
  });

  it("reads a version 1 move (no facing) as today's, facing south", () => {
    expect(upcast('character.moved', 1, { characterId: 'a', x: 1, y: 2 })).toEqual({ type: 'character.moved', data: { characterId: 'a', x: 1, y: 2, facing: 'south' } });
  });

  it('reads a version 1 chat line (no channel) as a world chat line', () => {
    const d = { messageId: 'm', characterId: 'a', name: 'Ann', text: 'hi', at: '2026-01-01T00:00:00.000Z' };
    expect(upcast('chat.posted', 1, d)).toEqual({ type: 'chat.posted', data: { ...d, channel: 'world' } });
  });

  it('leaves a current event as it is, and keeps what an older one already had', () => {
    const d = { characterId: 'a', x: 1, y: 2, facing: 'east' };
    expect(upcast('character.moved', 2, d).data).toBe(d);
    expect(upcast('character.moved', 1, d).data).toEqual(d);
  });

  it('refuses a version newer than the build, an unknown type and a version that is not one', () => {
    expect(() => upcast('character.moved', 3, {})).toThrow(EventVersionError);
    expect(() => upcast('character.moved', 3, {})).toThrow(/newer than this build reads \(2\)/);
    expect(() => upcast('character.flew', 1, {})).toThrow(/unknown event type/);
    expect(() => upcast('chat.posted', 0, {})).toThrow(/no valid version/);
  });
});
