import type { JsMsg } from '@nats-io/jetstream';
import type { Pool } from 'pg';
import type { Logger } from '@tilemud/runtime';
import { recordDeadLetter } from './projector-metrics';

/** Header a re-published dead letter carries (`ops.mjs deadletters retry`): the row it came from. */
export const HEADER_DEAD_LETTER = 'Tilemud-Dead-Letter';

export interface Parked {
  msg: JsMsg;
  reason: string;
  worldId?: string;
  eventSeq?: number;
}

/**
 * The dead-letter store (table `dead_letters`): stream messages the projector will not apply,
 * kept with why, so that nothing waits behind them and an operator can look, retry or drop.
 */
export class DeadLetters {
  /** Messages parked by this process since it started (for health and metrics). */
  parked = 0;

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {}

  /** Stores each (one more attempt when it is already there). Throws when PostgreSQL does: nothing is terminated then. */
  async park(items: Parked[]): Promise<void> {
    for (const p of items) {
      const m = p.msg;
      const retryOf = retriedFrom(m);
      const values = [m.info.stream, m.subject, m.seq, p.worldId ?? null, p.eventSeq ?? null, p.reason, Buffer.from(m.data), headersOf(m)];
      const again = retryOf
        ? await this.pool.query<{ id: string }>(
            `UPDATE dead_letters SET stream = $2, subject = $3, stream_seq = $4, reason = $5, attempts = attempts + 1, last_seen = now()
              WHERE id = $1 AND payload = $6 RETURNING id`,
            [retryOf, m.info.stream, m.subject, m.seq, p.reason, Buffer.from(m.data)],
          )
        : undefined;
      const { rows } = again?.rows.length
        ? again
        : await this.pool.query<{ id: string }>(
            `INSERT INTO dead_letters (stream, subject, stream_seq, world_id, event_seq, reason, payload, headers)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (stream, stream_seq, md5(payload)) DO UPDATE SET attempts = dead_letters.attempts + 1, last_seen = now(), reason = EXCLUDED.reason
             RETURNING id`,
            values,
          );
      this.parked++;
      recordDeadLetter(p.reason);
      this.logger.warn(
        { deadLetter: Number(rows[0]!.id), subject: m.subject, stream: m.info.stream, streamSeq: m.seq, worldId: p.worldId, eventSeq: p.eventSeq, reason: p.reason },
        'event parked as a dead letter',
      );
    }
  }

  /** Re-published dead letters that now agree with the log: nothing is left to do about them. */
  async resolve(msgs: JsMsg[]): Promise<void> {
    for (const m of msgs) {
      const id = retriedFrom(m);
      if (!id) continue;
      const { rowCount } = await this.pool.query('DELETE FROM dead_letters WHERE id = $1 AND payload = $2', [id, Buffer.from(m.data)]);
      if (rowCount) this.logger.info({ deadLetter: id, subject: m.subject, streamSeq: m.seq }, 'retried dead letter agrees with the log; removed');
    }
  }
}

function retriedFrom(m: JsMsg): string | undefined {
  const v = m.headers?.get(HEADER_DEAD_LETTER);
  return v && /^[1-9][0-9]{0,17}$/.test(v) ? v : undefined;
}

function headersOf(m: JsMsg): string | null {
  if (!m.headers) return null;
  const out: Record<string, string[]> = {};
  for (const [k, v] of m.headers) out[k] = v;
  return JSON.stringify(out);
}
