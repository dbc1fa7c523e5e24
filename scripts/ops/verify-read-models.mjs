// verify's read-model check: the projector's read models (rm_characters, rm_items, rm_chat,
// rm_worlds) against what the projector's own fold (apps/projector/src/read-model.ts, built)
// makes of the log, each world folded up to its checkpoint. Every difference is a problem naming
// the world and the seq of the last event that touched the row.
import { createRequire } from 'node:module';
import { canonical } from './stream.mjs';

const require = createRequire(import.meta.url);
export const PROJECTION = 'world_read_model';
const PAGE = 5000;

function projectorFold() {
  try {
    return require('../../apps/projector/dist/read-model.js');
  } catch (err) {
    throw new Error(`cannot load the projector's fold (run npm run build first): ${err.message}`);
  }
}

/** Every projection checkpoint: `{ projection, worldId, seq }`. */
export async function checkpoints(db) {
  const { rows } = await db.query('SELECT projection, world_id, seq::text FROM projection_checkpoints ORDER BY projection, world_id');
  return rows.map((r) => ({ projection: r.projection, worldId: r.world_id, seq: Number(r.seq) }));
}

const iso = (t) => (t === null || t === undefined ? null : new Date(t).toISOString());
const charRow = (r) => ({ ...r, last_seq: Number(r.last_seq), updated_at: iso(r.updated_at), epoch: Number(r.epoch) });
const chatRow = (r) => ({ ...r, seq: Number(r.seq), at: iso(r.at) });

/** The read models as stored, keyed like `expected` keys them. */
export async function storedReadModels(db) {
  const q = async (sql) => (await db.query(sql)).rows;
  const characters = await q('SELECT id, name, world_id, x, y, facing, online, away, inventory, last_seq::text, updated_at, epoch FROM rm_characters');
  const items = await q('SELECT world_id, id, kind, x, y FROM rm_items');
  const chat = await q('SELECT world_id, seq::text, message_id, character_id, name, text, at FROM rm_chat');
  const worlds = await q('SELECT world_id, seq::text, updated_at FROM rm_worlds');
  return {
    characters: new Map(characters.map((r) => [r.id, charRow(r)])),
    items: new Map(items.map((r) => [`${r.world_id}/${r.id}`, r])),
    chat: new Map(chat.map((r) => [`${r.world_id}/${r.seq}`, chatRow(r)])),
    worlds: new Map(worlds.map((r) => [r.world_id, { world_id: r.world_id, seq: Number(r.seq), updated_at: iso(r.updated_at) }])),
  };
}

/**
 * What the projector builds from each world's log (read by `log`, a LogReader, in today's shape as
 * the projector gets it) up to `to` (its checkpoint), with the seq that last touched each item.
 */
export async function expectedReadModels(ctx, log, targets, bar) {
  const { foldEvents, CHAT_KEEP } = projectorFold();
  const characters = new Map();
  const items = new Map();
  const itemSeq = new Map();
  const chat = new Map();
  const worlds = new Map();
  for (const { worldId, to } of targets) {
    const lines = [];
    for (let after = 0; after < to;) {
      const page = await log.eventsAfter(worldId, after, { upTo: to, limit: PAGE });
      if (!page.length) break;
      const envelopes = page.map(ctx.libs.runtime.envelopeOf);
      const rows = foldEvents((id) => characters.get(id), envelopes);
      for (const r of rows.characters) characters.set(r.id, charRow(r));
      for (const [id, item] of rows.items) {
        if (item) items.set(`${worldId}/${id}`, item);
        else items.delete(`${worldId}/${id}`);
      }
      for (const e of page) for (const i of touchedItems(e)) itemSeq.set(`${worldId}/${i}`, e.seq);
      lines.push(...rows.chat.map(chatRow));
      if (lines.length > CHAT_KEEP) lines.splice(0, lines.length - CHAT_KEEP);
      const last = page[page.length - 1];
      worlds.set(worldId, { world_id: worldId, seq: last.seq, updated_at: iso(last.recordedAt) });
      bar?.add(page.length);
      after = last.seq;
    }
    for (const l of lines) chat.set(`${worldId}/${l.seq}`, l);
  }
  return { characters, items, itemSeq, chat, worlds };
}

function touchedItems({ type, payload }) {
  if (type === 'world.seeded') return payload.items.map((i) => i.id);
  if (type === 'item.picked_up' || type === 'item.dropped') return [payload.item.id];
  return [];
}

/** The fields where two rows differ, as `field: stored X, log Y`. */
function diff(stored, expected) {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(expected)])];
  return keys
    .filter((k) => canonical(stored[k]) !== canonical(expected[k]))
    .map((k) => `${k}: stored ${canonical(stored[k])}, log ${canonical(expected[k])}`)
    .join('; ');
}

/** Problems (`{ check, worldId, seq, message }`) where the stored read models differ from the fold. */
export function compareReadModels(stored, expected) {
  const problems = [];
  const add = (worldId, seq, message) => problems.push({ check: 'read-model', worldId, seq, message });
  const each = (table, s, e, describe) => {
    for (const key of new Set([...s.keys(), ...e.keys()])) {
      const a = s.get(key);
      const b = e.get(key);
      if (a && b && canonical(a) === canonical(b)) continue;
      const { worldId, seq } = describe(key, a, b);
      add(worldId, seq, !a ? `${table} ${key}: missing (the log has it)` : !b ? `${table} ${key}: stored, but not in the log's fold` : `${table} ${key}: ${diff(a, b)}`);
    }
  };
  each('rm_characters', stored.characters, expected.characters, (id, a, b) => ({ worldId: (b ?? a).world_id, seq: (b ?? a).last_seq }));
  each('rm_items', stored.items, expected.items, (key, a, b) => ({ worldId: (b ?? a).world_id, seq: expected.itemSeq.get(key) ?? null }));
  each('rm_chat', stored.chat, expected.chat, (key, a, b) => ({ worldId: (b ?? a).world_id, seq: (b ?? a).seq }));
  each('rm_worlds', stored.worlds, expected.worlds, (key, a, b) => ({ worldId: key, seq: (b ?? a).seq }));
  return problems;
}
