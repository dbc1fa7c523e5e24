import { evolveAll, Handover, initialWorldState, INVENTORY_CAPACITY, parseWorldDefinition, WorldEvent, WorldMap } from '@tilemud/domain';
import type { IntentEnvelope, OutcomeError } from '@tilemud/runtime';
import { BatchDecision, BatchIntent, decideBatch, decideSeed, World } from './batch-decision';
import { unstorable } from './intents';

// Two worlds joined by a portal at here's east end; a key lies in here.
const MAPS: Record<string, WorldMap> = {
  here: parseWorldDefinition({
    id: 'here',
    name: 'Here',
    tiles: ['....>'],
    spawns: [{ x: 0, y: 0 }],
    portals: [{ x: 4, y: 0, toWorldId: 'there', toX: 1, toY: 0 }],
    items: [{ id: 'key-1', kind: 'key', x: 0, y: 0 }],
  }),
  there: parseWorldDefinition({ id: 'there', name: 'There', tiles: ['...'], spawns: [{ x: 0, y: 0 }] }),
};
const NOW = '2026-01-01T00:00:00.000Z';

// What the log holds: a world's events (its seq is their count), or a character's last decided intentSeq.
type History = { world: string; events: WorldEvent[] } | { character: string; lastIntentSeq: number };
const world = (id: string, ...events: WorldEvent[]): History => ({ world: id, events });
const decided = (character: string, lastIntentSeq: number): History => ({ character, lastIntentSeq });
const seeded = (id: string): WorldEvent => ({ type: 'world.seeded', data: { items: MAPS[id]!.items.map((i) => ({ ...i })) } });
const at = (characterId: string, x: number, inventory: { id: string; kind: string }[] = []): WorldEvent => ({
  type: 'character.entered',
  data: { characterId, name: characterId, x, y: 0, facing: 'east', sessionId: `s-${characterId}`, inventory },
});

// The intents, as the gateways (or another sequencer) put them on the bus.
const player = (characterId: string, intentSeq: number, intent: Extract<IntentEnvelope, { kind: 'player' }>['intent'], worldId = 'here'): IntentEnvelope => ({
  kind: 'player',
  worldId,
  characterId,
  intentSeq,
  intent,
  gatewayId: 'gw-1',
  sessionId: `s-${characterId}`,
  receivedAt: 0,
});
const move = (c: string, n: number, direction: 'east' | 'west', worldId = 'here') => player(c, n, { type: 'move', direction }, worldId);
const act = (c: string, n: number, payload: { action: string } & Record<string, unknown>) => player(c, n, { type: 'action', payload });
const enter = (characterId: string, worldId: string, home: boolean): IntentEnvelope => ({
  kind: 'system',
  op: 'enter',
  worldId,
  characterId,
  name: characterId,
  sessionId: `s-${characterId}`,
  home,
  requestId: `r-${characterId}`,
  gatewayId: 'gw-1',
});
const refused = (env: IntentEnvelope, error: OutcomeError): BatchIntent => ({ env, refused: error, traceId: null });

/**
 * Emmett's DeciderSpecification, for a batch: given what the log holds, when these intents arrive
 * in this order, then this is appended and answered (a partial match of the decision).
 */
function given(...history: History[]) {
  const worlds = new Map<string, World>();
  const lastIntentSeq = new Map<string, number>();
  for (const h of history) {
    if ('world' in h) worlds.set(h.world, { state: evolveAll(initialWorldState(MAPS[h.world]!), h.events), seq: h.events.length });
    else lastIntentSeq.set(h.character, h.lastIntentSeq);
  }
  return {
    when: (...intents: Array<IntentEnvelope | BatchIntent>) => {
      const batch = intents.map((i) => ('env' in i ? i : { env: i, traceId: 'trace-1', traceparent: 'tp-1' }));
      const decide = () => decideBatch({ worlds, lastIntentSeq }, batch, NOW);
      return {
        then: (expected: Partial<Record<keyof BatchDecision, unknown>>) => expect(decide()).toMatchObject(expected),
        decision: decide,
        worlds,
      };
    },
  };
}

const applied = (seq: number, extra: object = {}) => ({ outcome: { status: 'applied', seq, ...extra } });
const rejected = (code: string, extra: object = {}) => ({ outcome: { status: 'rejected', error: { code, ...extra } } });
const row = (worldId: string, seq: number, type: string, extra: object = {}) => ({ worldId, seq, type, recordedAt: NOW, ...extra });

describe('decideBatch: seq assignment', () => {
  it("numbers each world's events on from its last seq, in the order the intents came", () => {
    given(world('here', seeded('here'), at('ann', 0), at('bob', 2)), world('there', at('cid', 0)))
      .when(move('ann', 1, 'east'), move('cid', 7, 'east', 'there'), move('bob', 1, 'east'))
      .then({
        events: [
          row('here', 4, 'character.moved', { characterId: 'ann', intentSeq: 1, eventIndex: 0, traceId: 'trace-1', traceparent: 'tp-1' }),
          row('there', 2, 'character.moved'),
          row('here', 5, 'character.moved'),
        ],
        verdicts: [applied(4), applied(2), applied(5)],
      });
  });

  it('decides each intent against the batch so far: the second of two steps onto one tile is refused', () => {
    given(world('here', at('ann', 0), at('bob', 2)))
      .when(move('ann', 1, 'east'), move('bob', 4, 'west'))
      .then({
        events: [row('here', 3, 'character.moved')],
        rejections: [{ characterId: 'bob', intentSeq: 4, worldId: 'here', code: 'TILE_OCCUPIED', details: { occupantId: 'ann' }, recordedAt: NOW }],
        verdicts: [applied(3), rejected('TILE_OCCUPIED', { category: 'domain', retryable: false })],
        lastIntentSeq: new Map([
          ['ann', 1],
          ['bob', 4],
        ]),
      });
  });

  it('leaves what it was given untouched, and hands back each world as it is after the batch', () => {
    const spec = given(world('here', at('ann', 0))).when(move('ann', 1, 'east'));
    const before = spec.worlds.get('here')!;
    const d = spec.decision();
    expect(spec.worlds.get('here')).toBe(before);
    expect(before.state.characters.get('ann')).toMatchObject({ x: 0 });
    expect(d.worlds.get('here')).toMatchObject({ seq: 2, state: { characters: new Map([['ann', expect.objectContaining({ x: 1 })]]) } });
  });
});

describe('decideBatch: resends and refusals', () => {
  it('answers an intentSeq not above the last decided as a resend, appending nothing', () => {
    given(world('here', at('ann', 0)), decided('ann', 5))
      .when(move('ann', 5, 'east'), move('ann', 3, 'east'))
      .then({ events: [], rejections: [], verdicts: [{ resend: { characterId: 'ann', intentSeq: 5 } }, { resend: { characterId: 'ann', intentSeq: 3 } }], lastIntentSeq: new Map() });
  });

  it('answers a resend of an intent of this very batch as a resend of it', () => {
    given(world('here', at('ann', 0)))
      .when(move('ann', 1, 'east'), move('ann', 1, 'east'))
      .then({ events: [row('here', 2, 'character.moved')], verdicts: [applied(2), { resend: { characterId: 'ann', intentSeq: 1 } }] });
  });

  it('decides an intent the log refused for its content as that refusal, recorded for its resends', () => {
    const error = unstorable('22P05');
    given(world('here', at('ann', 0)))
      .when(refused(move('ann', 2, 'east'), error))
      .then({
        events: [],
        rejections: [{ characterId: 'ann', intentSeq: 2, code: 'VALIDATION_FAILED', details: error.details }],
        verdicts: [{ outcome: { status: 'rejected', error } }],
        lastIntentSeq: new Map([['ann', 2]]),
      });
  });

  it('refuses an intent for a world that does not exist, without recording it', () => {
    given(world('here', at('ann', 0)))
      .when(move('ann', 1, 'east', 'nowhere'))
      .then({ events: [], rejections: [], verdicts: [rejected('WORLD_NOT_FOUND', { category: 'not_found', retryable: false })], lastIntentSeq: new Map(), worlds: new Map() });
  });

  it('records no rejection for a system intent, and answers a retryable domain refusal as retryable', () => {
    given(world('there'))
      .when(enter('ann', 'there', false))
      .then({ rejections: [], verdicts: [rejected('CHARACTER_IN_TRANSIT', { retryable: true })] });
  });
});

describe('decideBatch: actions of many steps', () => {
  const key = { id: 'key-9', kind: 'key' };

  it('appends a give as two rows of one intent, its ack at the seq of the last', () => {
    given(world('here', at('ann', 0, [key]), at('bob', 1)))
      .when(act('ann', 1, { action: 'give', itemId: 'key-9', toCharacterId: 'bob' }))
      .then({
        events: [row('here', 3, 'inventory.item_removed', { intentSeq: 1, eventIndex: 0 }), row('here', 4, 'inventory.item_added', { intentSeq: 1, eventIndex: 1 })],
        verdicts: [applied(4)],
      });
  });

  it('keeps nothing of a give whose second step fails: ACTION_ATOMIC_ROLLBACK, and the world is as it was', () => {
    const full = Array.from({ length: INVENTORY_CAPACITY }, (_, i) => ({ id: `coin-${i}`, kind: 'coin' }));
    const spec = given(world('here', at('ann', 0, [key]), at('bob', 1, full))).when(act('ann', 1, { action: 'give', itemId: 'key-9', toCharacterId: 'bob' }));
    spec.then({ events: [], verdicts: [rejected('ACTION_ATOMIC_ROLLBACK', { details: { action: 'give', failedStep: 2, cause: 'INVENTORY_FULL' } })] });
    expect(spec.decision().worlds.get('here')!.state.characters.get('ann')!.inventory).toEqual([key]);
  });
});

describe('decideBatch: portal hand-overs', () => {
  const handover: Handover = {
    handoverId: 'ann:1',
    characterId: 'ann',
    name: 'ann',
    sessionId: 's-ann',
    fromWorldId: 'here',
    toWorldId: 'there',
    toX: 1,
    toY: 0,
    facing: 'east',
    inventory: [],
    epoch: 1,
  };

  it('records a step onto a portal with its departure, answers with the world it goes to, and hands it over once', () => {
    given(world('here', at('ann', 3)))
      .when(move('ann', 1, 'east'), move('ann', 2, 'east'))
      .then({
        events: [row('here', 2, 'character.moved'), row('here', 3, 'character.departed', { eventIndex: 1, payload: handover })],
        verdicts: [applied(3, { handover: { toWorldId: 'there' } }), rejected('NOT_IN_WORLD')],
        handovers: [handover],
      });
  });

  it('lands the arrival in the other world, once: a repeat of the same hand-over appends nothing', () => {
    const arrive: IntentEnvelope = { kind: 'handover', worldId: 'there', characterId: 'ann', handover };
    given(world('there'))
      .when(arrive, arrive)
      .then({ events: [row('there', 1, 'character.arrived', { characterId: 'ann', intentSeq: null, payload: { ...handover, x: 1, y: 0 } })], verdicts: [applied(1), applied(1)], handovers: [] });
  });
});

describe('decideSeed', () => {
  it("places a new world's items in its first event, and nothing in a world that has a log", () => {
    const empty: World = { state: initialWorldState(MAPS.here!), seq: 0 };
    expect(decideSeed('here', empty, NOW)).toMatchObject({ rows: [row('here', 1, 'world.seeded', { characterId: null, intentSeq: null, traceId: null })], world: { seq: 1 } });
    expect(decideSeed('here', { state: evolveAll(empty.state, [seeded('here')]), seq: 1 }, NOW)).toBeUndefined();
  });
});
