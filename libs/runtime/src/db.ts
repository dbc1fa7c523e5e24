import { Pool, PoolClient } from 'pg';
import { prepareParameterised } from './pg-prepared';

/**
 * A pool that survives PostgreSQL going away: connecting gives up after 5 s, and a query after
 * `queryTimeoutMs` (a silent network partition must fail a query, not hang it forever).
 */
export function createPool(connectionString: string, max = 10, queryTimeoutMs = 30_000): Pool {
  const pool = new Pool({ connectionString, max, connectionTimeoutMillis: 5000, query_timeout: queryTimeoutMs });
  // An idle client losing its connection (PostgreSQL restarting) must not crash the process.
  pool.on('error', () => undefined);
  // Nor one that dies while checked out (inside a transaction, between its statements): pg-pool
  // listens for its 'error' only while it is idle. The failure still reaches the caller through
  // its query, and the pool drops the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    // Parameterised statements parsed and planned once per connection (pg-prepared.ts); PG_PREPARE=off as before.
    if (process.env.PG_PREPARE !== 'off') prepareParameterised(client);
  });
  return pool;
}

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, mode = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(mode);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
