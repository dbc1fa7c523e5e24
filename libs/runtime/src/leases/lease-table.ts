import type { Pool } from 'pg';

/** SQLSTATE raised by `world_lease_fence` (migration 011) when an append names a world its process does not hold. */
export const LEASE_LOST_SQLSTATE = 'TMLEA';

/** The lease fence an append carries: the member, and each world it writes with the epoch it holds it at. */
export interface LeaseFence {
  role: string;
  holder: string;
  worlds: string[];
  epochs: number[];
}

/** An append was about to name a world this process does not hold: refused before it is tried, like the fence would. */
export class LeaseLostError extends Error {
  readonly code = LEASE_LOST_SQLSTATE;
}

/** True for the error of an append refused because a world's lease is not (or no longer) held. */
export function isLeaseLost(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === LEASE_LOST_SQLSTATE;
}

/** One world's lease as the table has it (the operator's view and the drills' audit). */
export interface LeaseRow {
  worldId: string;
  holder: string;
  epoch: number;
  takenAt: Date;
  expiresAt: Date;
}

/**
 * The SQL of world ownership (tables of migration 011). Every time is PostgreSQL's clock, so
 * processes whose clocks disagree still agree on who holds what. `ttlMs` is the lease's and a
 * membership's time to live.
 */
export class LeaseTable {
  constructor(
    private readonly pool: Pool,
    /** e.g. `tilemud:sequencer`: the deployment's prefix and the role. */
    readonly role: string,
    private readonly ttlMs: number,
  ) {}

  /** Says this member is alive, and answers every member of the role seen within the time to live (this one included). */
  async heartbeat(member: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ member: string }>(
      `WITH beat AS (
         INSERT INTO role_members (role, member) VALUES ($1, $2)
         ON CONFLICT (role, member) DO UPDATE SET seen_at = clock_timestamp()
         RETURNING member)
       SELECT member FROM role_members
        WHERE role = $1 AND member <> $2 AND seen_at > clock_timestamp() - make_interval(secs => $3::float8 / 1000)
       UNION SELECT member FROM beat`,
      [this.role, member, this.ttlMs],
    );
    return rows.map((r) => r.member).sort();
  }

  /** This member leaves (a graceful stop): the others rebalance at their next beat rather than after the time to live. */
  async leave(member: string): Promise<void> {
    await this.pool.query('DELETE FROM role_members WHERE role = $1 AND member = $2', [this.role, member]);
  }

  /** Members not seen for an hour: gone for good (their rows are only history). */
  async forgetGone(): Promise<void> {
    await this.pool.query(`DELETE FROM role_members WHERE role = $1 AND seen_at < clock_timestamp() - interval '1 hour'`, [this.role]);
  }

  /**
   * Takes a world's lease if it is free (never taken, expired or released) or this member's own
   * (taken again after a pause: the new epoch fences anything of the old holding), bumping its
   * epoch. Waits, on the row's lock, for any append of the old holder still in flight. Returns the
   * new epoch, or undefined when another member holds it.
   */
  async take(worldId: string, member: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ epoch: string }>(
      `INSERT INTO world_leases AS l (role, world_id, holder, epoch, expires_at)
       VALUES ($1, $2, $3, 1, clock_timestamp() + make_interval(secs => $4::float8 / 1000))
       ON CONFLICT (role, world_id) DO UPDATE
         SET holder = excluded.holder, epoch = l.epoch + 1, taken_at = clock_timestamp(),
             expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
         WHERE l.expires_at <= clock_timestamp() OR l.holder = excluded.holder
       RETURNING epoch`,
      [this.role, worldId, member, this.ttlMs],
    );
    return rows[0] ? Number(rows[0].epoch) : undefined;
  }

  /**
   * Extends the leases this member holds at these epochs, if they have not expired; answers the
   * worlds renewed. One missing from the answer is lost (expired, and perhaps taken by another).
   */
  async renew(member: string, held: ReadonlyMap<string, number>): Promise<Set<string>> {
    if (!held.size) return new Set();
    const { rows } = await this.pool.query<{ world_id: string }>(
      `UPDATE world_leases l SET expires_at = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
         FROM unnest($4::text[], $5::bigint[]) AS w(world_id, epoch)
        WHERE l.role = $1 AND l.holder = $2 AND l.world_id = w.world_id AND l.epoch = w.epoch AND l.expires_at > clock_timestamp()
       RETURNING l.world_id`,
      [this.role, member, this.ttlMs, [...held.keys()], [...held.values()]],
    );
    return new Set(rows.map((r) => r.world_id));
  }

  /** Gives a world up at once (its work drained): the next member may take it without waiting for the expiry. */
  async release(worldId: string, member: string, epoch: number): Promise<void> {
    await this.pool.query(
      `UPDATE world_leases SET expires_at = clock_timestamp() - interval '1 millisecond'
        WHERE role = $1 AND world_id = $2 AND holder = $3 AND epoch = $4`,
      [this.role, worldId, member, epoch],
    );
  }

  /** Every world's lease of the role. */
  async list(): Promise<LeaseRow[]> {
    const { rows } = await this.pool.query<{ world_id: string; holder: string; epoch: string; taken_at: Date; expires_at: Date }>(
      'SELECT world_id, holder, epoch, taken_at, expires_at FROM world_leases WHERE role = $1 ORDER BY world_id',
      [this.role],
    );
    return rows.map((r) => ({ worldId: r.world_id, holder: r.holder, epoch: Number(r.epoch), takenAt: r.taken_at, expiresAt: r.expires_at }));
  }
}
