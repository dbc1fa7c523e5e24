import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Character, ChatMessage, Item, Snapshot, WorldSummary } from '@tilemud/contracts';
import { SNAPSHOT_CHAT_LIMIT } from '@tilemud/contracts';
import { getWorld, WorldMap } from '@tilemud/domain';
import { Backoff, Logger, LogReader, stateAt, withTransaction } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { FanoutService } from '../realtime/fanout.service';
import { CONFIG, LOGGER, PG_POOL } from '../tokens';
import { worldView } from './wire-world';

const PROJECTION = 'world_read_model';

export type LoadedSnapshot = { seq: number; snapshot: Snapshot };

// The read model's rows as pg returns them (001_init.sql, 002_gameplay.sql): jsonb parsed, timestamptz a Date.
type CharacterRow = Omit<Character, 'worldId' | 'away'> & { world_id: string; away: boolean };
type ChatRow = { message_id: string; character_id: string; name: string; text: string; at: Date };

/**
 * Reads a world from the read model, consistently (one repeatable-read transaction) at one seq.
 * `fresh` never answers older than the log was when asked: it waits for the read model to catch
 * up (woken by the fan-out, which sees each projector frame once its rows are committed; no
 * polling), and when it does not in FRESHNESS_WAIT_MS (the projector down or far behind), folds
 * the world from the log instead: one fold per world at a time, shared by everyone waiting.
 */
@Injectable()
export class SnapshotService {
  private readonly folds = new Map<string, Promise<LoadedSnapshot | undefined>>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly fanout: FanoutService,
  ) {}

  /** The world's last logged seq (what every ack so far is at or below). */
  async head(worldId: string): Promise<number> {
    return new LogReader(this.pool).head(worldId);
  }

  /** Waits (up to FRESHNESS_WAIT_MS) for the read model to reach `target`; false if it did not. */
  private async caughtUpTo(worldId: string, target: number): Promise<boolean> {
    if ((await this.seq(worldId)) >= target) return true;
    await this.fanout.reached(worldId, target, this.config.FRESHNESS_WAIT_MS);
    return (await this.seq(worldId)) >= target;
  }

  /** Waits (up to FRESHNESS_WAIT_MS) for the read model to reach the log's head; true if it had to wait. */
  async catchUp(worldId: string): Promise<boolean> {
    const target = await this.head(worldId);
    if ((await this.seq(worldId)) >= target) return false;
    await this.caughtUpTo(worldId, target);
    return true;
  }

  /** A snapshot at least as new as `minSeq` and as the log's head now. */
  async fresh(worldId: string, minSeq = 0): Promise<LoadedSnapshot | undefined> {
    if (!getWorld(worldId)) return undefined;
    const target = Math.max(minSeq, await this.head(worldId));
    if (await this.caughtUpTo(worldId, target)) {
      const loaded = await this.load(worldId);
      if (loaded && loaded.seq >= target) return loaded;
    }
    this.logger.warn({ worldId, target }, 'read model behind the log: snapshot built from the log');
    return this.sharedFold(worldId, target);
  }

  /** A fold of the world's log reaching `target`: the one under way when it will, else a new one. */
  private async sharedFold(worldId: string, target: number): Promise<LoadedSnapshot | undefined> {
    const running = this.folds.get(worldId);
    if (running) {
      const done = await running;
      if (done && done.seq >= target) return done;
    }
    // A fold started after `target` was read reaches it; start one unless another waiter has.
    let fold = this.folds.get(worldId);
    if (!fold || fold === running) {
      const started = this.fromLog(worldId).finally(() => {
        if (this.folds.get(worldId) === started) this.folds.delete(worldId);
      });
      this.folds.set(worldId, (fold = started));
    }
    return fold;
  }

  /**
   * The world from its log with the domain's own fold (the newest world snapshot plus the events
   * after it, `stateAt`, as the sequencer loads it): slower than the read model, never behind.
   */
  async fromLog(worldId: string): Promise<LoadedSnapshot | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return withTransaction(
      this.pool,
      async (c) => {
        const reader = new LogReader(c);
        const { state, seq } = await stateAt(c, map, await reader.head(worldId));
        const { characters, items } = worldView(worldId, state);
        const chat = (await reader.chatUpTo(worldId, seq, SNAPSHOT_CHAT_LIMIT)).map((r) => {
          const d = r.payload as { messageId: string; characterId: string; name: string; text: string; at: string };
          return { id: d.messageId, from: { id: d.characterId, name: d.name }, text: d.text, at: new Date(d.at).toISOString() };
        });
        return assemble(map, seq, characters, items, chat);
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async seq(worldId: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE projection = $1 AND world_id = $2', [PROJECTION, worldId]);
    return rows[0] ? Number(rows[0].seq) : 0;
  }

  async summary(worldId: string): Promise<WorldSummary | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return { id: map.id, name: map.name, width: map.width, height: map.height, seq: await this.seq(worldId) };
  }

  /** Waits until the read model shows the character online in `worldId`; its seq there, or undefined. */
  async arrival(characterId: string, worldId: string, timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (const backoff = new Backoff({ initialMs: 5, maxMs: 100 }); ;) {
      const { rows } = await this.pool.query<{ last_seq: string }>('SELECT last_seq FROM rm_characters WHERE id = $1 AND world_id = $2 AND online', [characterId, worldId]);
      if (rows[0]) return Number(rows[0].last_seq);
      if (Date.now() > deadline) return undefined;
      await backoff.wait();
    }
  }

  async load(worldId: string): Promise<LoadedSnapshot | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return withTransaction(
      this.pool,
      async (c) => {
        const cp = await c.query<{ seq: string }>('SELECT seq FROM projection_checkpoints WHERE projection = $1 AND world_id = $2', [PROJECTION, worldId]);
        const seq = cp.rows[0] ? Number(cp.rows[0].seq) : 0;
        const chars = await c.query<CharacterRow>('SELECT id, name, world_id, x, y, facing, inventory, away FROM rm_characters WHERE world_id = $1 AND online ORDER BY id', [worldId]);
        const chat = await c.query<ChatRow>('SELECT message_id, character_id, name, text, at FROM rm_chat WHERE world_id = $1 ORDER BY seq DESC LIMIT $2', [worldId, SNAPSHOT_CHAT_LIMIT]);
        const items = await c.query<Item>('SELECT id, kind, x, y FROM rm_items WHERE world_id = $1 ORDER BY id', [worldId]);
        const characters: Character[] = chars.rows.map((r) => ({
          id: r.id,
          name: r.name,
          worldId: r.world_id,
          x: r.x,
          y: r.y,
          facing: r.facing,
          inventory: r.inventory,
          ...(r.away ? { away: true as const } : {}),
        }));
        const messages: ChatMessage[] = chat.rows.reverse().map((r) => ({
          id: r.message_id,
          from: { id: r.character_id, name: r.name },
          text: r.text,
          at: new Date(r.at).toISOString(),
        }));
        return assemble(map, seq, characters, items.rows, messages);
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }
}

function assemble(map: WorldMap, seq: number, characters: Character[], items: Snapshot['items'], chat: ChatMessage[]): LoadedSnapshot {
  const world = { id: map.id, name: map.name, width: map.width, height: map.height, seq, tiles: [...map.tiles], portals: [...map.portals] };
  return { seq, snapshot: { world, characters, items, chat } };
}
