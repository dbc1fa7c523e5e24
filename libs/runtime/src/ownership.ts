import { Client } from 'pg';
import { Backoff } from './backoff';
import type { Logger } from './logger';

/** One holding of the role's lock, from the moment it was taken until its connection ends. */
export interface Hold {
  /** Resolves when the lock's connection ends: PostgreSQL has then released the lock, or will. */
  readonly lost: Promise<Error>;
  /** False from the moment the connection ended. */
  readonly held: boolean;
}

export interface AcquireHooks {
  /** Another process holds the lock: this one waits as a standby until it is released. */
  onStandby?: () => void;
  /** An attempt failed (PostgreSQL unreachable); the next one follows after `retryMs`. */
  onUnreachable?: (err: Error, attempt: number, retryMs: number) => void;
}

/** First wait between attempts to reach PostgreSQL, doubled after each failure up to the maximum. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2000;

/**
 * One active owner per role and deployment (the sequencer's worlds, the projector's read models),
 * held as a PostgreSQL session advisory lock on a connection of its own. A second process of the
 * same role waits as a standby and takes over the moment the owner's connection ends (its process
 * died or was cut off), with no lease to expire. The log's primary key (world_id, seq) stays the
 * fence: a paused old owner's late append collides with the new owner's and is refused.
 */
export class Ownership {
  private client?: Client;
  private released = false;

  constructor(
    private readonly connectionString: string,
    /** e.g. `tilemud:sequencer`: a role and the deployment's prefix. */
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves once this process holds the lock. While PostgreSQL cannot be reached it tries again
   * with backoff (250 ms doubling to 2 s), for as long as it takes; while another process holds the
   * lock it waits on it as a standby. Rejects only once `release` was called.
   */
  async acquire(hooks: AcquireHooks = {}): Promise<Hold> {
    const backoff = new Backoff({ initialMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS });
    for (let attempt = 1; ; attempt++) {
      if (this.released) throw new Error(`ownership of ${this.name} released`);
      try {
        return await this.attempt(hooks);
      } catch (err) {
        if (this.released) throw new Error(`ownership of ${this.name} released`);
        hooks.onUnreachable?.(err as Error, attempt, backoff.delayMs);
        await backoff.wait();
      }
    }
  }

  private async attempt(hooks: AcquireHooks): Promise<Hold> {
    const client = new Client({ connectionString: this.connectionString, application_name: `owner ${this.name}`, connectionTimeoutMillis: 5000 });
    // Until the hold watches it, a connection dropping must be an error of the attempt, never an
    // unhandled 'error' event that ends the process.
    client.on('error', () => undefined);
    this.client = client;
    try {
      await client.connect();
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [this.name]);
      if (!rows[0]?.got) {
        this.logger.warn({ owner: this.name }, 'another process owns this role; waiting as a standby');
        hooks.onStandby?.();
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [this.name]);
      }
    } catch (err) {
      if (this.client === client) this.client = undefined;
      await client.end().catch(() => undefined);
      throw err;
    }
    this.logger.info({ owner: this.name }, 'ownership acquired');
    return this.watch(client);
  }

  private watch(client: Client): Hold {
    let held = true;
    let resolve!: (err: Error) => void;
    const lost = new Promise<Error>((r) => (resolve = r));
    const end = (err: Error) => {
      if (!held) return;
      held = false;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      resolve(err);
    };
    client.on('error', end);
    client.on('end', () => end(new Error('ownership connection ended')));
    return {
      lost,
      get held() {
        return held;
      },
    };
  }

  /** Gives the lock up for good (the process is stopping); a pending `acquire` rejects. */
  async release(): Promise<void> {
    this.released = true;
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners('end');
    c.removeAllListeners('error');
    c.on('error', () => undefined);
    await c.end().catch(() => undefined);
  }
}
