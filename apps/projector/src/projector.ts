import type { Pool } from 'pg';
import { eventToChanges, WorldEvent } from '@tilemud/domain';
import { EventEnvelope, Logger, withTransaction } from '@tilemud/runtime';
import { CharacterRow, foldEvents, loadCharacters, PROJECTION, writeBatch } from './read-model';

export interface DeltaFrame {
  type: 'event.state_delta';
  worldId: string;
  seq: number;
  prevSeq: number;
  full: false;
  changes: ReturnType<typeof eventToChanges>;
}

export type DeltaSink = (frame: DeltaFrame) => void;

/**
 * Folds events into the read models in seq order, one transaction per batch with the checkpoint,
 * then hands each world's batch to the gateways as one state delta. A gap in what arrives is
 * filled from the PostgreSQL log, so the stream losing or repeating messages changes nothing.
 */
export class Projector {
  private readonly checkpoints = new Map<string, number>();
  /**
   * A batch failed: its commit may have landed all the same (the connection died after COMMIT
   * reached the server), leaving the checkpoints in memory behind the database, and applying those
   * events again would insert their chat lines twice. The next batch reads the checkpoints first.
   */
  private stale = false;

  constructor(
    private readonly pool: Pool,
    private readonly sink: DeltaSink,
    private readonly logger: Logger,
  ) {}

  async loadCheckpoints(): Promise<void> {
    const { rows } = await this.pool.query<{ world_id: string; seq: string }>(
      'SELECT world_id, seq FROM projection_checkpoints WHERE projection = $1',
      [PROJECTION],
    );
    // Replaced only once read: a failed read must not leave the projector believing it is at 0.
    this.checkpoints.clear();
    for (const r of rows) this.checkpoints.set(r.world_id, Number(r.seq));
    this.stale = false;
  }

  checkpoint(worldId: string): number {
    return this.checkpoints.get(worldId) ?? 0;
  }

  /** Applies everything the log has past the checkpoints (at start, and after a reset). */
  async catchUp(): Promise<number> {
    const { rows } = await this.pool.query<{ world_id: string }>('SELECT DISTINCT world_id FROM action_events ORDER BY world_id');
    let total = 0;
    for (const { world_id } of rows) {
      for (;;) {
        const batch = await this.fromLog(world_id, this.checkpoint(world_id), 2000);
        if (!batch.length) break;
        await this.project(batch);
        total += batch.length;
      }
    }
    return total;
  }

  /**
   * Projects events (any worlds, any order, repeats allowed): keeps those past the checkpoint,
   * fills gaps from the log, and commits all of it at once.
   */
  async project(incoming: EventEnvelope[]): Promise<void> {
    if (this.stale) await this.loadCheckpoints();
    try {
      await this.projectFresh(incoming);
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  private async projectFresh(incoming: EventEnvelope[]): Promise<void> {
    const byWorld = new Map<string, EventEnvelope[]>();
    for (const e of incoming) {
      if (e.seq <= this.checkpoint(e.worldId)) continue;
      const list = byWorld.get(e.worldId) ?? [];
      list.push(e);
      byWorld.set(e.worldId, list);
    }
    if (!byWorld.size) return;
    const plan: Array<{ worldId: string; from: number; events: EventEnvelope[] }> = [];
    for (const [worldId, list] of byWorld) {
      list.sort((a, b) => a.seq - b.seq);
      const from = this.checkpoint(worldId);
      const last = list[list.length - 1]!.seq;
      const unique = new Map(list.map((e) => [e.seq, e]));
      // Anything missing between the checkpoint and the newest arrival comes from the log.
      if (unique.size !== last - from) {
        for (const e of await this.fromLog(worldId, from, last - from)) if (e.seq <= last) unique.set(e.seq, e);
        if (unique.size !== last - from) throw new Error(`world ${worldId}: log does not hold seq ${from + 1}..${last}`);
      }
      plan.push({ worldId, from, events: [...unique.values()].sort((a, b) => a.seq - b.seq) });
    }
    // synchronous_commit off: the read model is disposable and its checkpoint commits with it, so a
    // crash may lose the last transactions, never half of one, and they are replayed from the log.
    // Its commits then skip the fsync wait and stay off the queue the sequencer's durable ones wait in.
    await withTransaction(this.pool, async (c) => {
      for (const p of plan) {
        const ids = [...new Set(p.events.map((e) => e.data.characterId).filter((id): id is string => typeof id === 'string'))];
        const known = new Map<string, CharacterRow>((await loadCharacters(c, ids)).map((r) => [r.id, r]));
        const last = p.events[p.events.length - 1]!;
        await writeBatch(c, p.worldId, foldEvents((id) => known.get(id), p.events), last.seq, last.recordedAt);
      }
    }, 'BEGIN; SET LOCAL synchronous_commit = off');
    for (const p of plan) {
      const last = p.events[p.events.length - 1]!.seq;
      this.checkpoints.set(p.worldId, last);
      this.sink({
        type: 'event.state_delta',
        worldId: p.worldId,
        seq: last,
        prevSeq: p.from,
        full: false,
        changes: p.events.flatMap((e) => eventToChanges(e.worldId, { type: e.type, data: e.data } as WorldEvent)),
      });
    }
  }

  private async fromLog(worldId: string, afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    const { rows } = await this.pool.query(
      `SELECT seq, type, payload, character_id, intent_seq, recorded_at FROM action_events
        WHERE world_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [worldId, afterSeq, limit],
    );
    return rows.map((r) => ({
      worldId,
      seq: Number(r.seq),
      type: r.type as string,
      data: r.payload as Record<string, unknown>,
      characterId: r.character_id as string | null,
      intentSeq: r.intent_seq === null ? null : Number(r.intent_seq),
      recordedAt: new Date(r.recorded_at as string).toISOString(),
    }));
  }
}
