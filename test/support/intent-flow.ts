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
  /** Where it came among the flow's sends and messages (`Flow.events`): times alone may tie within a millisecond. */
  order: number;
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
  /** Each player's portal crossings: where (`order`) its client got the full state of a world other than the one it was in. */
  readonly crossings = new Map<string, number[]>();
  /** Where each intent's send came (`order`). */
  private readonly sentOrder = new Map<string, number>();
  /** Sends and messages so far: the order of what happened at this end. */
  private events = 0;
  private timer?: NodeJS.Timeout;

  constructor(readonly players: TestClient[]) {
    for (const p of players) {
      let world = p.worldId;
      p.ws!.on('message', (d) => {
        const m = JSON.parse(messageText(d)) as ServerMessage;
        const order = ++this.events;
        if (m.type === 'event.state_delta' && !m.full) this.deltaTimes.push(Date.now());
        if (m.type === 'event.state_delta' && m.full && m.worldId !== world) {
          if (world) this.crossings.set(p.characterId, [...(this.crossings.get(p.characterId) ?? []), order]);
          world = m.worldId;
        }
        if (isIntentAck(m) && !this.answers.has(`${p.characterId}:${m.intentSeq}`)) {
          this.answers.set(`${p.characterId}:${m.intentSeq}`, { status: m.status, seq: m.seq, originalStatus: m.originalStatus, code: m.error?.code, at: Date.now(), order });
        }
      });
    }
  }

  start(periodMs = 20): void {
    running.add(this);
    this.timer = setInterval(() => {
      for (const p of this.players) this.send(p, (['north', 'south', 'east', 'west'] as const)[Math.floor(Math.random() * 4)] as Direction);
    }, periodMs);
  }

  /** Sends one move of `p` now, without waiting for its answer. */
  send(p: TestClient, direction: Direction): void {
    const intentSeq = ++p.intentSeq;
    this.sent.set(`${p.characterId}:${intentSeq}`, Date.now());
    this.sentOrder.set(`${p.characterId}:${intentSeq}`, ++this.events);
    p.send({ type: 'intent.move', intentSeq, payload: { direction } });
  }

  /**
   * The refusals the rules do not explain. A move is refused by the rules of moving (MOVE_*,
   * TILE_*) or retryably (UNAVAILABLE); and NOT_IN_WORLD when its player had stepped onto a portal
   * before it and the move was already on its way to the world left: a random walk may cross the
   * lobby's portal (62,20), and the gateway sends a session's intents to the new world only from
   * the portal move's ack on. So a NOT_IN_WORLD is the portal's when the move came after the
   * player's last move applied before a crossing and was sent before that move's ack came back.
   */
  unexplainedRefusals(): Array<Answer & { key: string }> {
    const refused = [...this.answers.entries()].filter(([, a]) => a.status === 'rejected' && !/^(MOVE_|TILE_|UNAVAILABLE$)/.test(a.code ?? ''));
    return refused.filter(([key, a]) => a.code !== 'NOT_IN_WORLD' || !this.inFlightAcrossPortal(key)).map(([key, a]) => ({ key, ...a }));
  }

  private inFlightAcrossPortal(key: string): boolean {
    const [characterId, seq] = key.split(':') as [string, string];
    const sentAt = this.sentOrder.get(key) ?? Infinity;
    const applied = [...this.answers.entries()].filter(([k, a]) => k.startsWith(`${characterId}:`) && a.status === 'applied').map(([k, a]) => ({ intentSeq: Number(k.split(':')[1]), order: a.order }));
    return (this.crossings.get(characterId) ?? []).some((crossedAt) => {
      const portalMove = applied.filter((a) => a.order < crossedAt).sort((x, y) => y.intentSeq - x.intentSeq)[0];
      return !!portalMove && Number(seq) > portalMove.intentSeq && sentAt < portalMove.order;
    });
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
