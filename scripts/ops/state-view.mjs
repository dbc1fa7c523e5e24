// What `ops state` prints of a world's state at a seq (the state itself comes from libs/runtime's
// stateAt, the admin time travel's too). Pure: no I/O here.

const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const inventory = (c) => c.inventory.map((i) => ({ id: i.id, kind: i.kind }));

/**
 * What `state` prints: `characters`, `items` and `chat` in the shape of the wire contract's
 * snapshot (online characters, the latest chat lines), plus the characters not online with
 * where they were last, and `fold`: the stored world snapshot it started from (`fromSnapshot`, 0:
 * none, the empty world) and how many events of the log were folded onto it.
 */
export function stateView(map, { seq, state, fromSnapshot, folded }, chatEvents, recordedAt) {
  const all = [...state.characters.values()].sort(byId);
  return {
    world: { id: map.id, name: map.name, width: map.width, height: map.height, seq, recordedAt: recordedAt ?? null },
    characters: all.filter((c) => c.online).map((c) => ({ id: c.id, name: c.name, worldId: map.id, x: c.x, y: c.y, facing: c.facing, inventory: inventory(c), ...(c.away ? { away: true } : {}) })),
    items: [...state.items.values()].sort(byId).map((i) => ({ id: i.id, kind: i.kind, x: i.x, y: i.y })),
    chat: chatEvents.map((e) => ({
      id: e.payload.messageId,
      from: { id: e.payload.characterId, name: e.payload.name },
      text: e.payload.text,
      at: new Date(e.payload.at).toISOString(),
    })),
    offline: all.filter((c) => !c.online).map((c) => ({ id: c.id, name: c.name, x: c.x, y: c.y, facing: c.facing, inventory: inventory(c), ...(c.departedTo ? { departedTo: c.departedTo } : {}) })),
    fold: { fromSnapshot, folded },
  };
}
