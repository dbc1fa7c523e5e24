// `ops rebuild`, the shadow tables and the swap. The shadow is schema rm_rebuild: one UNLOGGED
// table per read-model table, `LIKE` it (same columns in the same order, same keys), written with
// a few multi-row statements. The swap compares it with the live rows of the rebuilt worlds (the
// drift) and replaces exactly the rows that differ, in the transaction that holds the read models'
// swap lock (see READ_MODEL_LOCK in apps/projector/src/read-model.ts).
export const SHADOW = 'rm_rebuild';

/** Each read-model table: its key, and which of its live rows a rebuild of some worlds owns. */
const TABLES = [
  { name: 'rm_characters', key: ['id'] },
  { name: 'rm_items', key: ['world_id', 'id'] },
  { name: 'rm_chat', key: ['world_id', 'seq'] },
  { name: 'rm_worlds', key: ['world_id'] },
  { name: 'projection_checkpoints', key: ['projection', 'world_id'] },
];

/**
 * The live rows a rebuild replaces ($1 the rebuilt worlds, $2 every world, $3 the projection): those
 * of its worlds, and for characters also any row the shadow has a newer one of (a character whose
 * row says another world, but whose latest arrival is in a rebuilt one).
 */
function scope(t) {
  const worlds = '($2 OR l.world_id = ANY($1))';
  if (t.name === 'rm_characters') return `(${worlds} OR l.id IN (SELECT id FROM ${SHADOW}.rm_characters))`;
  if (t.name === 'projection_checkpoints') return `(l.projection = $3 AND ${worlds})`;
  return worlds;
}

/** A fresh, empty shadow. */
export async function createShadow(db) {
  await db.query(`DROP SCHEMA IF EXISTS ${SHADOW} CASCADE`);
  await db.query(`CREATE SCHEMA ${SHADOW}`);
  // UNLOGGED: the shadow is rebuilt from the log at will, so it skips the WAL.
  for (const t of TABLES) await db.query(`CREATE UNLOGGED TABLE ${SHADOW}.${t.name} (LIKE ${t.name} INCLUDING ALL)`);
}

export async function dropShadow(db) {
  await db.query(`DROP SCHEMA IF EXISTS ${SHADOW} CASCADE`);
}

const CHUNK = 10_000;

async function chunked(rows, write) {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

/**
 * Writes what the in-memory shadow changed since the last write (`shadow.touched`, then emptied):
 * the characters touched, and for each world touched its items, chat lines, seq and checkpoint as
 * they are now. One statement per table and 10,000 rows.
 */
export async function writeShadow(db, shadow, projection) {
  const characters = [...shadow.touched.characters].map((id) => shadow.characters.get(id));
  const worlds = [...shadow.touched.worlds];
  shadow.touched.characters.clear();
  shadow.touched.worlds.clear();
  await chunked(characters, (ch) =>
    db.query(
      `INSERT INTO ${SHADOW}.rm_characters (id, name, world_id, x, y, facing, online, away, inventory, last_seq, updated_at, epoch)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::boolean[], $8::boolean[], $9::jsonb[], $10::bigint[], $11::timestamptz[], $12::int[])
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, world_id = EXCLUDED.world_id, x = EXCLUDED.x, y = EXCLUDED.y, facing = EXCLUDED.facing,
         online = EXCLUDED.online, away = EXCLUDED.away, inventory = EXCLUDED.inventory, last_seq = EXCLUDED.last_seq, updated_at = EXCLUDED.updated_at, epoch = EXCLUDED.epoch`,
      [
        ch.map((r) => r.id),
        ch.map((r) => r.name),
        ch.map((r) => r.world_id),
        ch.map((r) => r.x),
        ch.map((r) => r.y),
        ch.map((r) => r.facing),
        ch.map((r) => r.online),
        ch.map((r) => r.away),
        ch.map((r) => JSON.stringify(r.inventory)),
        ch.map((r) => r.last_seq),
        ch.map((r) => r.updated_at),
        ch.map((r) => r.epoch),
      ],
    ),
  );
  if (!worlds.length) return;
  // A world's items, chat and seq are few rows: written whole.
  for (const t of ['rm_items', 'rm_chat', 'rm_worlds']) await db.query(`DELETE FROM ${SHADOW}.${t} WHERE world_id = ANY($1)`, [worlds]);
  await db.query(`DELETE FROM ${SHADOW}.projection_checkpoints WHERE world_id = ANY($1)`, [worlds]);
  const items = worlds.flatMap((w) => [...(shadow.items.get(w)?.values() ?? [])]);
  await chunked(items, (it) =>
    db.query(`INSERT INTO ${SHADOW}.rm_items (world_id, id, kind, x, y) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[])`, [
      it.map((i) => i.world_id),
      it.map((i) => i.id),
      it.map((i) => i.kind),
      it.map((i) => i.x),
      it.map((i) => i.y),
    ]),
  );
  const chat = worlds.flatMap((w) => shadow.chat.get(w) ?? []);
  await chunked(chat, (c) =>
    db.query(
      `INSERT INTO ${SHADOW}.rm_chat (world_id, seq, message_id, character_id, name, text, at)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])`,
      [c.map((r) => r.world_id), c.map((r) => r.seq), c.map((r) => r.message_id), c.map((r) => r.character_id), c.map((r) => r.name), c.map((r) => r.text), c.map((r) => r.at)],
    ),
  );
  const seqs = worlds.map((w) => shadow.worlds.get(w)).filter(Boolean);
  await db.query(
    `WITH w AS (INSERT INTO ${SHADOW}.rm_worlds (world_id, seq, updated_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) RETURNING 1)
     INSERT INTO ${SHADOW}.projection_checkpoints (projection, world_id, seq) SELECT $4, * FROM unnest($1::text[], $2::bigint[])`,
    [seqs.map((w) => w.world_id), seqs.map((w) => w.seq), seqs.map((w) => w.updated_at), projection],
  );
}

/**
 * Rebuilding some worlds only: a character's shadow row (from a rebuilt world's log) gives way to
 * its live row in another world when that one is of the same or a newer hand-over epoch, as the
 * projector's fold decides between worlds (a character's row follows its latest arrival).
 */
export async function yieldToOtherWorlds(db, worlds) {
  await db.query(
    `DELETE FROM ${SHADOW}.rm_characters s USING rm_characters l
      WHERE l.id = s.id AND NOT (l.world_id = ANY($1)) AND l.epoch >= s.epoch`,
    [worlds],
  );
}

/** The scope's parameters ($3 only where it is used: PostgreSQL types every parameter it is given). */
const args = (t, worlds, all, projection) => (t.name === 'projection_checkpoints' ? [worlds, all, projection] : [worlds, all]);
const sameRow = (t, l, s) => t.key.map((k) => `${l}.${k} = ${s}.${k}`).join(' AND ');

/** Rows that differ between the live scope and the shadow: `{ table, worldId, key, live, shadow }` (JSON rows, null when absent). */
export async function drift(db, worlds, all, projection) {
  const out = [];
  for (const t of TABLES) {
    const { rows } = await db.query(
      `WITH l AS (SELECT * FROM ${t.name} l WHERE ${scope(t)}), s AS (SELECT * FROM ${SHADOW}.${t.name})
       SELECT coalesce(l.world_id, s.world_id) AS world_id, concat_ws('/', ${t.key.map((k) => `coalesce(l.${k}, s.${k})`).join(', ')}) AS key,
              CASE WHEN l.${t.key[0]} IS NULL THEN NULL ELSE to_jsonb(l) END AS live,
              CASE WHEN s.${t.key[0]} IS NULL THEN NULL ELSE to_jsonb(s) END AS shadow
         FROM l FULL JOIN s ON ${sameRow(t, 'l', 's')}
        WHERE l.${t.key[0]} IS NULL OR s.${t.key[0]} IS NULL OR to_jsonb(l) <> to_jsonb(s)
        ORDER BY 1, 2`,
      args(t, worlds, all, projection),
    );
    for (const r of rows) out.push({ table: t.name, worldId: r.world_id, key: r.key, live: r.live, shadow: r.shadow });
  }
  return out;
}

/** Replaces the live rows of the scope that differ from the shadow by the shadow's; returns how many rows were written. */
export async function swapIn(db, worlds, all, projection) {
  let changed = 0;
  for (const t of TABLES) {
    const gone = await db.query(
      `DELETE FROM ${t.name} l WHERE ${scope(t)} AND NOT EXISTS (SELECT 1 FROM ${SHADOW}.${t.name} s WHERE ${sameRow(t, 's', 'l')} AND to_jsonb(s) = to_jsonb(l))`,
      args(t, worlds, all, projection),
    );
    const put = await db.query(`INSERT INTO ${t.name} SELECT s.* FROM ${SHADOW}.${t.name} s WHERE NOT EXISTS (SELECT 1 FROM ${t.name} l WHERE ${sameRow(t, 'l', 's')})`);
    changed += gone.rowCount + put.rowCount;
  }
  return changed;
}
