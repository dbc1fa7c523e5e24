// A world as it stood at a seq: the domain's own fold (WorldDraft, what evolve is made of, as the
// sequencer folds its log at start), started from a state at some seq S and fed the log's tail
// after S. Today S is always 0 (the empty world); once world snapshots are stored, `startingPoint`
// picks the newest one at or below the target and nothing else changes. Pure: no I/O here.

/** The state the fold starts from for a target seq: `{ seq, state }`. */
export function startingPoint(domain, map) {
  return { seq: 0, state: domain.initialWorldState(map) };
}

/**
 * Folds one run of events (in seq order, the first right after `from.seq`) into the state of
 * `from`, returning the state after them. Throws on a gap: a state over a hole would be wrong
 * in ways nobody could see.
 */
export function foldTail(domain, from, events) {
  const draft = new domain.WorldDraft(from.state);
  let seq = from.seq;
  for (const e of events) {
    if (e.seq !== seq + 1) throw new Error(`world ${e.worldId}: the log has a gap after seq ${seq} (next is ${e.seq})`);
    draft.apply([{ type: e.type, data: e.payload }]);
    seq = e.seq;
  }
  return { seq, state: draft.state };
}

const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const inventory = (c) => c.inventory.map((i) => ({ id: i.id, kind: i.kind }));

/**
 * What `state` prints: `characters`, `items` and `chat` in the shape of the wire contract's
 * snapshot (online characters, the latest chat lines), plus the characters not online with
 * where they were last.
 */
export function stateView(map, { seq, state }, chatEvents, recordedAt) {
  const all = [...state.characters.values()].sort(byId);
  return {
    world: { id: map.id, name: map.name, width: map.width, height: map.height, seq, recordedAt: recordedAt ?? null },
    characters: all
      .filter((c) => c.online)
      .map((c) => ({ id: c.id, name: c.name, worldId: map.id, x: c.x, y: c.y, facing: c.facing, inventory: inventory(c), ...(c.away ? { away: true } : {}) })),
    items: [...state.items.values()].sort(byId).map((i) => ({ id: i.id, kind: i.kind, x: i.x, y: i.y })),
    chat: chatEvents.map((e) => ({
      id: e.payload.messageId,
      from: { id: e.payload.characterId, name: e.payload.name },
      text: e.payload.text,
      at: new Date(e.payload.at).toISOString(),
    })),
    offline: all
      .filter((c) => !c.online)
      .map((c) => ({ id: c.id, name: c.name, x: c.x, y: c.y, facing: c.facing, inventory: inventory(c), ...(c.departedTo ? { departedTo: c.departedTo } : {}) })),
  };
}
