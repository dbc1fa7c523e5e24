import { Client } from 'pg';

/** A direct connection to this test run's database, for checking what the apps wrote. */
export async function db(): Promise<Client> {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  return c;
}

/** The read models as text, row by row, in a stable order: for byte-for-byte comparisons. */
export async function dumpReadModels(c: Client): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, order] of [
    ['rm_characters', 'id'],
    ['rm_worlds', 'world_id'],
    ['rm_chat', 'world_id, seq'],
    ['rm_items', 'world_id, id'],
    ['projection_checkpoints', 'projection, world_id'],
  ] as const) {
    const { rows } = await c.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM (SELECT * FROM ${table} ORDER BY ${order}) t`);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}
