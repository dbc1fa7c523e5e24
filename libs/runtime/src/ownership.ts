import { Client } from 'pg';
import type { Logger } from './logger';

/**
 * One active owner per role and deployment (the sequencer's worlds, the projector's read models),
 * held as a PostgreSQL session advisory lock on a connection of its own. A second process of the
 * same role waits as a standby and takes over the moment the owner's connection ends (its process
 * died or was cut off), with no lease to expire. The log's primary key (world_id, seq) stays the
 * fence: a paused old owner's late append collides with the new owner's and is refused.
 */
export class Ownership {
  private client?: Client;

  constructor(
    private readonly connectionString: string,
    /** e.g. `tilemud:sequencer`: a role and the deployment's prefix. */
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves once this process is the owner; calls `onLost` if the lock's connection ever ends. */
  async acquire(onLost: (err: Error) => void): Promise<void> {
    const client = new Client({ connectionString: this.connectionString, application_name: `owner ${this.name}` });
    await client.connect();
    this.client = client;
    const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [this.name]);
    if (!rows[0]?.got) {
      this.logger.warn({ owner: this.name }, 'another process owns this role; waiting as a standby');
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [this.name]);
    }
    this.logger.info({ owner: this.name }, 'ownership acquired');
    const lost = (err: Error) => onLost(err);
    client.on('error', lost);
    client.on('end', () => lost(new Error('ownership connection ended')));
  }

  async release(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners('end');
    c.removeAllListeners('error');
    await c.end().catch(() => undefined);
  }
}
