import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ADMIN_EVENTS_LIMIT, AdminWorldsResponse, ErrorCode, WorldEventsPage, WorldMap, WorldStateAt } from '@tilemud/contracts';
import { getWorld, WORLDS, type WorldMap as DomainMap } from '@tilemud/domain';
import { LogGapError, LogReader, stateAt } from '@tilemud/runtime';
import { ApiError } from '../errors/api-error';
import { PG_POOL } from '../tokens';
import { worldView } from '../world/wire-world';

const PROJECTION = 'world_read_model';

/**
 * The operator's view of the worlds' logs: heads, lag and dead letters, a world as it stood at a
 * seq (the domain's own fold, from the nearest stored world snapshot at or below it), and the
 * logged events of a seq range, as stored (their own version). Read-only; every read of the log is
 * the log reader's (libs/runtime/src/log/), and the state at a seq is the one `ops state` gives.
 */
@Injectable()
export class TimeTravelService {
  private readonly log: LogReader;
  private readonly stored: LogReader;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.log = new LogReader(pool);
    this.stored = new LogReader(pool, { raw: true });
  }

  async worlds(): Promise<AdminWorldsResponse> {
    const [checkpoints, dead] = await Promise.all([
      this.pool.query<{ world_id: string; seq: string }>('SELECT world_id, seq FROM projection_checkpoints WHERE projection = $1', [PROJECTION]),
      this.pool.query<{ world_id: string | null; n: string }>('SELECT world_id, count(*) AS n FROM dead_letters GROUP BY world_id'),
    ]);
    const projected = new Map(checkpoints.rows.map((r) => [r.world_id, Number(r.seq)]));
    const parked = new Map(dead.rows.map((r) => [r.world_id, Number(r.n)]));
    const worlds = await Promise.all(
      [...WORLDS.values()].map(async (w) => {
        const head = await this.log.head(w.id);
        const projectedSeq = projected.get(w.id) ?? 0;
        return { id: w.id, name: w.name, head, projectedSeq, lagEvents: head - projectedSeq, deadLetters: parked.get(w.id) ?? 0 };
      }),
    );
    // Letters naming a world this build does not ship count with those naming none.
    const unattributed = [...parked].filter(([id]) => id === null || !WORLDS.has(id)).reduce((n, [, c]) => n + c, 0);
    return { worlds, unattributedDeadLetters: unattributed };
  }

  async map(worldId: string): Promise<WorldMap> {
    const map = this.world(worldId);
    return { id: map.id, name: map.name, width: map.width, height: map.height, seq: await this.log.head(worldId), tiles: [...map.tiles], portals: [...map.portals] };
  }

  /** The world at `atSeq` (1..head): the newest stored snapshot at or below it, plus the events after it. */
  async stateAt(worldId: string, atSeq: number): Promise<WorldStateAt> {
    const map = this.world(worldId);
    const head = await this.log.head(worldId);
    if (atSeq > head) throw new ApiError(ErrorCode.VALIDATION_FAILED, `atSeq: world ${worldId} has ${head} events`, { details: { head } });
    const at = await stateAt(this.pool, map, atSeq).catch((err: unknown) => {
      // A state over a hole would be wrong in ways nobody could see: say where the log is broken instead.
      throw err instanceof LogGapError ? new ApiError(ErrorCode.INTERNAL, err.message) : err;
    });
    return { worldId, seq: at.seq, head, foldedFrom: at.fromSnapshot, ...worldView(worldId, at.state) };
  }

  /** The events of `from`..`to` (clipped to the head), at most ADMIN_EVENTS_LIMIT. */
  async events(worldId: string, from: number, to: number): Promise<WorldEventsPage> {
    this.world(worldId);
    const head = await this.log.head(worldId);
    const rows = await this.stored.eventsAfter(worldId, from - 1, { upTo: Math.min(to, head), limit: ADMIN_EVENTS_LIMIT + 1 });
    const events = rows.slice(0, ADMIN_EVENTS_LIMIT).map((r) => ({
      seq: r.seq,
      type: r.type,
      characterId: r.characterId,
      version: r.version ?? 1,
      data: r.payload,
      recordedAt: r.recordedAt,
    }));
    return { worldId, head, events, more: rows.length > ADMIN_EVENTS_LIMIT };
  }

  private world(worldId: string): DomainMap {
    const map = getWorld(worldId);
    if (!map) throw new ApiError(ErrorCode.WORLD_NOT_FOUND, `world ${worldId} does not exist`);
    return map;
  }
}
