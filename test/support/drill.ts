import type { Client } from 'pg';
import WebSocket from 'ws';
import { isIntentAck, type AuthResponse, type BootstrapResponse, type ServerMessage, type TicketResponse } from '@tilemud/contracts';
import { api, messageText } from './client';
import { dumpReadModels } from './db';
import { eventually, sleep } from './eventually';
import type { TestSystem } from './system';

type Endpoint = { baseUrl: string; wsUrl: string };

/**
 * A player that keeps playing through faults: sends a move every tick, reconnects (fresh ticket,
 * `hello.resume` with its token and last seq) whenever its socket drops, and resends every intent
 * not yet answered under its original intentSeq. Records every answer, every delta's arrival and
 * every `event.degraded` notice.
 */
export class DrillPlayer {
  ws?: WebSocket;
  token = '';
  characterId = '';
  nextSeq = 1;
  readonly pending = new Map<number, { dir: string; sentAt: number }>();
  readonly answers = new Map<number, { status: string; seq?: number; code?: string; at: number }>();
  reconnects = 0;
  resumed = 0;
  /** Intents sent again because no answer came within the retry time. */
  resent = 0;
  /** Arrival times of incremental deltas (to see when the world starts moving again). */
  readonly deltaTimes: number[] = [];
  readonly notices: Array<{ dependency: string; status: string; at: number }> = [];
  /** Deltas that did not continue from the last seq held: an event sent twice, or a hole. */
  readonly chainErrors: Array<{ prevSeq: number; held: number | undefined }> = [];
  private resumeToken?: string;
  private lastSeq?: number;
  private stopped = false;
  private live = false;

  /**
   * `place`, if given, runs between the bootstrap (which creates the character) and the `hello`
   * (which puts it into its home world the first time): a drill sets the home world there, as the
   * load harness's `--worlds` does, since the contract gives a client no way to choose its world.
   */
  constructor(
    private readonly at: Endpoint,
    private readonly place?: (characterId: string) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    const g = await api<AuthResponse>(this.at.baseUrl, 'POST', '/api/auth/guest');
    this.token = g.body.accessToken;
    const b = await api<BootstrapResponse>(this.at.baseUrl, 'POST', '/api/session/bootstrap', { token: this.token, body: { clientVersion: '1.0.0' } });
    this.characterId = b.body.character.id;
    await this.place?.(this.characterId);
    await this.connect(b.body.ws.ticket);
    await eventually(`drill player ${this.characterId} to be welcomed (handshake ack)`, () => this.live, 15_000);
  }

  private async connect(ticket: string): Promise<void> {
    const ws = new WebSocket(`${this.at.wsUrl}/ws?ticket=${encodeURIComponent(ticket)}`);
    this.ws = ws;
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'hello', protocolVersion: '1.0.0', ...(this.resumeToken && this.lastSeq !== undefined ? { resume: { token: this.resumeToken, lastSeq: this.lastSeq } } : {}) })),
    );
    ws.on('message', (d) => this.onMessage(ws, JSON.parse(messageText(d)) as ServerMessage));
    ws.on('close', () => {
      this.live = false;
      if (!this.stopped) void this.reconnect();
    });
    ws.on('error', () => undefined);
  }

  private onMessage(ws: WebSocket, m: ServerMessage): void {
    if (m.type === 'event.ack' && m.ack === 'handshake') {
      this.resumeToken = m.resumeToken;
      if (m.resumed) this.resumed++;
      this.live = true;
      // Resend what was never answered: the server answers each once, as new or as a duplicate.
      for (const [intentSeq, p] of this.pending) ws.send(JSON.stringify({ type: 'intent.move', intentSeq, payload: { direction: p.dir } }));
    }
    if (m.type === 'event.state_delta') {
      if (!m.full && m.prevSeq !== this.lastSeq) this.chainErrors.push({ prevSeq: m.prevSeq, held: this.lastSeq });
      this.lastSeq = m.seq;
      if (!m.full) this.deltaTimes.push(Date.now());
    }
    if (m.type === 'event.degraded') this.notices.push({ dependency: m.dependency, status: m.status, at: Date.now() });
    if (isIntentAck(m)) {
      this.pending.delete(m.intentSeq);
      this.answers.set(m.intentSeq, { status: m.status, seq: m.seq, code: m.error?.code, at: Date.now() });
    }
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      // A real client's backoff between attempts, not a wait for a condition: the gateway may be down.
      await sleep(Math.min(200 * 2 ** attempt, 2000));
      try {
        const t = await api<TicketResponse>(this.at.baseUrl, 'POST', '/api/session/ticket', { token: this.token });
        if (t.status !== 200) continue;
        this.reconnects++;
        await this.connect(t.body.ticket);
        return;
      } catch {
        /* the gateway is down: try again */
      }
    }
  }

  /** As a real client does: resends any intent unanswered for `retryMs` (an answer lost in a cut is never sent again). */
  resendUnanswered(retryMs = 3000): void {
    const now = Date.now();
    if (!this.live || this.ws?.readyState !== WebSocket.OPEN) return;
    for (const [intentSeq, p] of this.pending) {
      if (now - p.sentAt < retryMs) continue;
      p.sentAt = now;
      this.resent++;
      this.ws.send(JSON.stringify({ type: 'intent.move', intentSeq, payload: { direction: p.dir } }));
    }
  }

  /** One new move, after resending what is overdue. */
  tick(retryMs = 3000): void {
    this.resendUnanswered(retryMs);
    const dir = ['north', 'south', 'east', 'west'][Math.floor(Math.random() * 4)]!;
    const intentSeq = this.nextSeq++;
    this.pending.set(intentSeq, { dir, sentAt: Date.now() });
    if (this.live && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'intent.move', intentSeq, payload: { direction: dir } }));
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close(1000);
  }
}

export const acksOf = (players: DrillPlayer[]) => players.flatMap((p) => [...p.answers.entries()].map(([intentSeq, a]) => ({ characterId: p.characterId, intentSeq, ...a })));

/** Waits until every player's intents have been answered (resending overdue ones); fails saying how many were not within `ms`. */
export async function settle(players: DrillPlayer[], ms = 10_000): Promise<void> {
  const unanswered = () => players.reduce((n, p) => n + p.pending.size, 0);
  await eventually(
    'every intent of the drill players to be answered (overdue ones resent, as a client does)',
    () => {
      players.forEach((p) => p.resendUnanswered());
      return unanswered() === 0;
    },
    ms,
    () => `${unanswered()} unanswered`,
  );
}

/**
 * Checks the log against what the players were told: every intent acked as applied (first time,
 * or as a duplicate of an applied one) is in the log exactly once, at its seq, and each world's
 * seqs are gapless. Returns the figures for the drill's report.
 */
export async function auditLog(pg: Client, players: DrillPlayer[]) {
  const acked = acksOf(players);
  const appliedAcks = acked.filter((a) => a.status === 'applied' || (a.status === 'duplicate' && a.seq !== undefined));
  const { rows } = await pg.query<{ character_id: string; intent_seq: string; n: number; seq: string }>(
    // One intent may be several events (a portal step is a move and a departure): count its first.
    `SELECT character_id, intent_seq, count(*) FILTER (WHERE event_index = 0)::int AS n, max(seq) AS seq FROM action_events
      WHERE character_id = ANY($1::uuid[]) AND intent_seq IS NOT NULL GROUP BY character_id, intent_seq`,
    [players.map((p) => p.characterId)],
  );
  const inLog = new Map(rows.map((r) => [`${r.character_id}:${r.intent_seq}`, r]));
  const lost = appliedAcks.filter((a) => !inLog.has(`${a.characterId}:${a.intentSeq}`));
  const wrongSeq = appliedAcks.filter((a) => Number(inLog.get(`${a.characterId}:${a.intentSeq}`)?.seq) !== a.seq);
  const duplicated = rows.filter((r) => r.n !== 1);
  const worlds = await pg.query<{ world_id: string; n: number; max: number }>('SELECT world_id, count(*)::int AS n, max(seq)::int AS max FROM action_events GROUP BY world_id ORDER BY world_id');
  const gaps = worlds.rows.filter((w) => w.n !== w.max);
  const report = {
    players: players.length,
    intentsSent: players.reduce((n, p) => n + p.nextSeq - 1, 0),
    answered: acked.length,
    applied: appliedAcks.length,
    rejected: acked.filter((a) => a.status === 'rejected').length,
    answersByCode: acked.filter((a) => a.code).reduce<Record<string, number>>((m, a) => ({ ...m, [a.code!]: (m[a.code!] ?? 0) + 1 }), {}),
    unanswered: players.reduce((n, p) => n + p.pending.size, 0),
    lost: lost.length,
    duplicatedInLog: duplicated.length,
    ackSeqMismatches: wrongSeq.length,
    logEventsByWorld: Object.fromEntries(worlds.rows.map((r) => [r.world_id, { events: r.n, maxSeq: r.max }])),
    resentUnanswered: players.reduce((n, p) => n + p.resent, 0),
    reconnects: players.reduce((n, p) => n + p.reconnects, 0),
    resumed: players.reduce((n, p) => n + p.resumed, 0),
    deltaChainErrors: players.reduce((n, p) => n + p.chainErrors.length, 0),
  };
  return { report, lost, duplicated, wrongSeq, gaps, logMax: worlds.rows.reduce((t, r) => t + r.max, 0) };
}

/** Stops and starts every projector of a layout (one in a TestSystem, several in a TestCluster). */
export interface Projectors {
  stopProjectors(): Promise<void>;
  startProjectors(): Promise<void>;
}

const projectorsOf = (system: TestSystem): Projectors => ({ stopProjectors: () => system.apps.projector.stop(), startProjectors: () => system.apps.projector.start() });

/** The read models the projector built (through whatever happened) equal a rebuild from the log. */
export async function expectProjectionsEqualRebuild(layout: TestSystem | Projectors, pg: Client, logMax: number): Promise<void> {
  const projectors = 'apps' in layout ? projectorsOf(layout) : layout;
  const cp = async () => (await pg.query<{ seq: number }>('SELECT coalesce(sum(seq), 0)::int AS seq FROM projection_checkpoints')).rows[0]?.seq ?? 0;
  // A portal crossing's arrival is appended to the new world after its departure (a hand-over in
  // flight): until every departure has arrived the log still grows, and a live dump taken before
  // the arrival would be compared with a rebuild made after it.
  const unarrived = async () =>
    (
      await pg.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM action_events d WHERE d.type = 'character.departed' AND NOT EXISTS (
           SELECT 1 FROM action_events a WHERE a.type = 'character.arrived' AND a.world_id = d.payload->>'toWorldId'
              AND a.character_id = d.character_id AND a.payload->>'handoverId' = d.payload->>'handoverId')`,
      )
    ).rows[0]!.n;
  await eventually('every portal hand-over in the log to have arrived', async () => (await unarrived()) === 0, 30_000, unarrived);
  const total = (await pg.query<{ n: number }>('SELECT coalesce(sum(m), 0)::int AS n FROM (SELECT max(seq) AS m FROM action_events GROUP BY world_id) w')).rows[0]!.n;
  const events = Math.max(logMax, total);
  const caughtUp = (what: string) => eventually(`the projector's checkpoints to reach the log's ${events} events (${what})`, async () => (await cp()) >= events, 30_000, cp);
  await caughtUp('live');
  await projectors.stopProjectors();
  const live = await dumpReadModels(pg);
  // A rebuild from scratch (the projector's --rebuild is gone): the read models emptied, and the
  // projector's catch-up folds the whole log again.
  await pg.query('TRUNCATE rm_characters, rm_worlds, rm_chat, rm_items');
  await pg.query("DELETE FROM projection_checkpoints WHERE projection = 'world_read_model'");
  await projectors.startProjectors();
  await caughtUp('rebuilt');
  expect(await dumpReadModels(pg)).toEqual(live);
}
