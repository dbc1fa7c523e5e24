import type { Pool } from 'pg';

/** The EVENTS stream the log was last wholly published into, by its creation time (table stream_fills). */
export class StreamFills {
  constructor(private readonly pool: Pool) {}

  async recorded(stream: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ created: string }>('SELECT created FROM stream_fills WHERE stream = $1', [stream]);
    return rows[0]?.created;
  }

  async record(stream: string, created: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO stream_fills (stream, created) VALUES ($1, $2)
       ON CONFLICT (stream) DO UPDATE SET created = EXCLUDED.created, filled_at = now()`,
      [stream, created],
    );
  }
}
