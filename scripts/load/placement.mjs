// Spreading the harness's players over worlds (`--worlds a,b,c --database-url URL`).
//
// The wire contract has no way for a client to choose its world: a new character starts in its
// home world (the lobby for every new character) and moves only through portals. A load run that
// wants its players in ten worlds at once therefore sets each fresh guest character's home world in
// the system's own database, between `POST /api/session/bootstrap` (which creates the character)
// and the socket's `hello` (which puts it into its home world the first time). Only for a system
// the operator runs for the test (e.g. the bench's own database); a character that already has a
// place in the read model keeps it.

import pg from 'pg';

const PLACE_SQL = `UPDATE characters SET home_world_id = $1
  WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM rm_characters WHERE id = $2)`;

/** The world of session `idx`: round robin over the list, so every world gets its share. */
export function worldFor(worlds, idx) {
  return worlds[idx % worlds.length];
}

/** Parses `--worlds`: a comma-separated list of world ids, each once. Returns null when unset. */
export function parseWorldList(raw) {
  if (raw === undefined) return null;
  const list = raw
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  if (list.length === 0) throw new Error('--worlds needs at least one world id');
  for (const w of list) if (!/^[a-z0-9_-]{1,32}$/.test(w)) throw new Error(`--worlds: "${w}" is not a world id`);
  if (new Set(list).size !== list.length) throw new Error('--worlds names a world twice');
  return list;
}

/** A placer for the run's options, or null when the players stay where the server puts them. */
export function createPlacer(opts) {
  if (!opts.worlds) return null;
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
  pool.on('error', () => undefined); // an idle client's error: the next query reports it
  return {
    /** Sets the home world of the session's new character; answers the world it will enter. */
    async place(s) {
      const world = worldFor(opts.worlds, s.idx);
      const r = await pool.query(PLACE_SQL, [world, s.characterId]);
      return r.rowCount === 1 ? world : null;
    },
    close: () => pool.end(),
  };
}
