import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { LogReader, stateAt, withTransaction } from '@tilemud/runtime';
import type { Change, Character } from '@tilemud/contracts';
import { eventToChanges, getWorld, onlineCharacters, WorldEvent } from '@tilemud/domain';
import type { Delta } from '../realtime/delta';
import { PG_POOL } from '../tokens';
import { wireCharacter } from './wire-world';

/** Changes per replayed frame: a long replay goes as several frames, each applied in turn. */
const CHANGES_PER_FRAME = 2000;

/**
 * A client's missed deltas, rebuilt from the event log (the log keeps every event, so "retained"
 * is bounded only by RESUME_MAX_REPLAY_EVENTS). The changes are the projector's own
 * (`eventToChanges`, pure), so a replayed frame is what the client would have received live.
 */
@Injectable()
export class ReplayService {
  private readonly log: LogReader;
  /** `charactersAt` folds under way, by world and seq. */
  private readonly folds = new Map<string, Promise<Character[] | undefined>>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.log = new LogReader(pool);
  }

  /**
   * Frames covering lastSeq+1..upTo in order, or undefined when that is more than `max` events
   * (the client is better served by a full snapshot) or the log does not hold all of them.
   */
  async between(worldId: string, lastSeq: number, upTo: number, max: number): Promise<Delta[] | undefined> {
    if (upTo < lastSeq || upTo - lastSeq > max) return undefined;
    if (upTo === lastSeq) return [];
    const events = await this.log.eventsAfter(worldId, lastSeq, { upTo });
    if (events.length !== upTo - lastSeq) return undefined;
    return framesOf(
      worldId,
      lastSeq,
      events.map((e) => ({ seq: e.seq, changes: eventToChanges(worldId, { type: e.type, data: e.payload } as WorldEvent) as Change[] })),
    );
  }

  /**
   * The world's characters as they stood right after `seq` (shaped as in a snapshot): where a
   * replay to a client with an area of interest starts. A world snapshot plus the log after it.
   */
  charactersAt(worldId: string, seq: number): Promise<Character[] | undefined> {
    // Sockets dropped together (a gateway gone) resume at the same seq, mostly: one fold for all.
    const key = `${worldId}:${seq}`;
    let fold = this.folds.get(key);
    if (!fold) {
      fold = this.fold(worldId, seq).finally(() => this.folds.delete(key));
      this.folds.set(key, fold);
    }
    return fold;
  }

  private async fold(worldId: string, seq: number): Promise<Character[] | undefined> {
    const map = getWorld(worldId);
    if (!map) return undefined;
    return withTransaction(
      this.pool,
      async (c) => {
        const { state } = await stateAt(c, map, seq);
        return onlineCharacters(state).map((ch) => wireCharacter(ch, worldId));
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }
}

/** Consecutive events as frames of at most CHANGES_PER_FRAME changes, each starting where the last ended. */
export function framesOf(worldId: string, lastSeq: number, events: Array<{ seq: number; changes: Change[] }>): Delta[] {
  const frames: Delta[] = [];
  let current: Delta | null = null;
  let prev = lastSeq;
  for (const e of events) {
    if (!current || current.changes.length + e.changes.length > CHANGES_PER_FRAME) {
      if (current) frames.push(current);
      current = { type: 'event.state_delta', worldId, seq: e.seq, prevSeq: prev, full: false, changes: [] };
    }
    current.changes.push(...e.changes);
    current.seq = e.seq;
    prev = e.seq;
  }
  if (current) frames.push(current);
  return frames;
}
