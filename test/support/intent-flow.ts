import { isIntentAck, type Direction, type ServerMessage } from '@tilemud/contracts';
import type { Client } from 'pg';
import { messageText, type TestClient } from './client';
import { eventually } from './eventually';

export interface Answer {
  status: string;
  seq?: number;
  originalStatus?: string;
  code?: string;
  at: number;
}

/**
 * Players moving at random every `periodMs` (6 players every 20 ms: 300 intents/s, so that a cut
 * lands in the middle of appends), without waiting for answers; every ack is recorded.
 */
const running = new Set<Flow>();

/** Stops every flow still sending (a test that failed mid-way leaves its interval running, and jest with it). */
export function stopFlows(): void {
  for (const f of running) f.stop();
}

export class Flow {
  readonly sent = new Map<string, number>();
  readonly answers = new Map<string, Answer>();
  /** When incremental deltas arrived (to see when projection flows again). */
  readonly deltaTimes: number[] = [];
  private timer?: NodeJS.Timeout;

  constructor(readonly players: TestClient[]) {
    for (const p of players) {
      p.ws!.on('message', (d) => {
        const m = JSON.parse(messageText(d)) as ServerMessage;
        if (m.type === 'event.state_delta' && !m.full) this.deltaTimes.push(Date.now());
        if (isIntentAck(m) && !this.answers.has(`${p.characterId}:${m.intentSeq}`)) {
          this.answers.set(`${p.characterId}:${m.intentSeq}`, { status: m.status, seq: m.seq, originalStatus: m.originalStatus, code: m.error?.code, at: Date.now() });
        }
      });
    }
  }

  start(periodMs = 20): void {
    running.add(this);
    this.timer = setInterval(() => {
      for (const p of this.players) {
        const intentSeq = ++p.intentSeq;
        this.sent.set(`${p.characterId}:${intentSeq}`, Date.now());
        const direction = (['north', 'south', 'east', 'west'] as const)[Math.floor(Math.random() * 4)] as Direction;
        p.send({ type: 'intent.move', intentSeq, payload: { direction } });
      }
    }, periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
    running.delete(this);
  }

  unanswered(): string[] {
    return [...this.sent.keys()].filter((k) => !this.answers.has(k));
  }

  /** Waits until every intent sent has its answer; fails saying how many have none. */
  async settle(timeoutMs = 20_000): Promise<void> {
    await eventually(
      'every intent of the flow to be answered',
      () => this.unanswered().length === 0,
      timeoutMs,
      () => `${this.unanswered().length} unanswered`,
    );
  }

  /** Answers received in [from, to), by status (and error code). */
  between(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.answers.values()) {
      if (a.at < from || a.at >= to) continue;
      const k = a.code ? `${a.status}:${a.code}` : a.status;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  sentBetween(from: number, to: number): number {
    return [...this.sent.values()].filter((at) => at >= from && at < to).length;
  }

  /** Seconds from `from` to the first `applied` ack received after it. */
  firstAppliedAfter(from: number): number {
    const times = [...this.answers.values()].filter((a) => a.status === 'applied' && a.at >= from).map((a) => a.at);
    return times.length ? (Math.min(...times) - from) / 1000 : Infinity;
  }

  /** Seconds from `from` to the first incremental delta any player received after it. */
  firstDeltaAfter(from: number): number {
    const after = this.deltaTimes.filter((at) => at >= from);
    return after.length ? (Math.min(...after) - from) / 1000 : Infinity;
  }

  /** Every intent answered `applied`, or `duplicate` of an applied one, with the seq it was given. */
  applied(): Array<{ key: string; seq: number }> {
    return [...this.answers.entries()].filter(([, a]) => a.status === 'applied' || (a.status === 'duplicate' && a.originalStatus === 'applied')).map(([key, a]) => ({ key, seq: a.seq! }));
  }
}

/**
 * The log against a flow's answers: applied answers whose seq differs from the log's (or that
 * are not in it), intents in the log more than once, and worlds whose seqs have a gap.
 */
export async function auditFlow(pg: Client, flow: Flow) {
  const { rows } = await pg.query<{ key: string; n: number; seq: number }>(
    `SELECT character_id || ':' || intent_seq AS key, count(*) FILTER (WHERE event_index = 0)::int AS n, max(seq)::int AS seq
       FROM action_events WHERE intent_seq IS NOT NULL GROUP BY character_id, intent_seq`,
  );
  const inLog = new Map(rows.map((r) => [r.key, r]));
  const worlds = await pg.query<{ world_id: string; n: number; max: number }>('SELECT world_id, count(*)::int AS n, max(seq)::int AS max FROM action_events GROUP BY world_id');
  return {
    appliedNotAtItsSeq: flow.applied().filter((a) => inLog.get(a.key)?.seq !== a.seq),
    inLogTwice: rows.filter((r) => r.n !== 1),
    gaps: worlds.rows.filter((w) => w.n !== w.max),
  };
}
