import { getWorld, restoreSnapshot, StateAt, takeSnapshot, WORLD_SNAPSHOT_VERSION, WorldSnapshot } from '@tilemud/domain';
import type { Queryable } from './log/reader';

/**
 * Stored world states (table world_snapshots): a cache of a fold of the log, and the index that
 * time travel (`ops state --at-seq`) starts from. Every one is kept: at SNAPSHOT_EVERY 1,000, a
 * million events make a thousand rows. A snapshot of another shape version is skipped: the caller
 * folds from further back.
 */
export class WorldSnapshots {
  constructor(private readonly pool: Queryable) {}

  /** The newest snapshot of the world at or below `atOrBelow` (any, when absent), restored. */
  async nearest(worldId: string, atOrBelow = Number.MAX_SAFE_INTEGER): Promise<StateAt | undefined> {
    const { rows } = await this.pool.query<{ state: WorldSnapshot }>('SELECT state FROM world_snapshots WHERE world_id = $1 AND seq <= $2 AND version = $3 ORDER BY seq DESC LIMIT 1', [
      worldId,
      atOrBelow,
      WORLD_SNAPSHOT_VERSION,
    ]);
    const map = getWorld(worldId);
    return rows[0] && map ? restoreSnapshot(map, rows[0].state) : undefined;
  }

  /** Stores the state at its seq (a second time: a no-op). */
  async save(worldId: string, at: StateAt): Promise<void> {
    const snap = takeSnapshot(worldId, at);
    await this.pool.query('INSERT INTO world_snapshots (world_id, seq, version, state) VALUES ($1, $2, $3, $4) ON CONFLICT (world_id, seq) DO NOTHING', [
      worldId,
      at.seq,
      snap.version,
      JSON.stringify(snap),
    ]);
  }

  /** Seqs of the stored snapshots of a world, newest first. */
  async seqs(worldId: string): Promise<number[]> {
    const { rows } = await this.pool.query<{ seq: string }>('SELECT seq FROM world_snapshots WHERE world_id = $1 ORDER BY seq DESC', [worldId]);
    return rows.map((r) => Number(r.seq));
  }

  /** Each world's newest stored snapshot seq (of any version): what `ops verify` holds a log's head against. */
  async newest(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ world_id: string; seq: string }>('SELECT world_id, max(seq) AS seq FROM world_snapshots GROUP BY world_id');
    return new Map(rows.map((r) => [r.world_id, Number(r.seq)]));
  }
}
