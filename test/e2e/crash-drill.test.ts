import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import WebSocket from 'ws';
import { api, sleep } from '../support/client';
import { db, dumpReadModels } from '../support/db';
import { AppName, TestSystem } from '../support/system';

/**
 * A player that keeps playing through crashes: sends a move every `periodMs`, reconnects (fresh
 * ticket) whenever its socket drops, and resends every intent not yet answered under its
 * original intentSeq. Records every answer.
 */
class DrillPlayer {
  ws?: WebSocket;
  token = '';
  characterId = '';
  nextSeq = 1;
  readonly pending = new Map<number, { dir: string; sentAt: number }>();
  readonly answers = new Map<number, { status: string; seq?: number; code?: string; at: number }>();
  reconnects = 0;
  /** Arrival times of incremental deltas (to see when the world starts moving again). */
  readonly deltaTimes: number[] = [];
  private stopped = false;
  private live = false;

  constructor(private readonly system: TestSystem) {}

  async start(): Promise<void> {
    const g = await api(this.system.baseUrl, 'POST', '/api/auth/guest');
    this.token = g.body.accessToken;
    const b = await api(this.system.baseUrl, 'POST', '/api/session/bootstrap', { token: this.token, body: { clientVersion: '1.0.0' } });
    this.characterId = b.body.character.id;
    await this.connect(b.body.ws.ticket);
  }

  private async connect(ticket: string): Promise<void> {
    const ws = new WebSocket(`${this.system.wsUrl}/ws?ticket=${encodeURIComponent(ticket)}`);
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: '1.0.0' })));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'event.state_delta' && m.full) {
        this.live = true;
        // Resend what was never answered: the server answers each once, as new or as a duplicate.
        for (const [intentSeq, p] of this.pending) ws.send(JSON.stringify({ type: 'intent.move', intentSeq, payload: { direction: p.dir } }));
      }
      if (m.type === 'event.state_delta' && !m.full) this.deltaTimes.push(Date.now());
      if (m.type === 'event.ack' && typeof m.intentSeq === 'number') {
        this.pending.delete(m.intentSeq);
        this.answers.set(m.intentSeq, { status: m.status, seq: m.seq, code: m.error?.code, at: Date.now() });
      }
    });
    ws.on('close', () => {
      this.live = false;
      if (!this.stopped) void this.reconnect();
    });
    ws.on('error', () => undefined);
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      await sleep(Math.min(200 * 2 ** attempt, 2000));
      try {
        const t = await api(this.system.baseUrl, 'POST', '/api/session/ticket', { token: this.token });
        if (t.status !== 200) continue;
        this.reconnects++;
        await this.connect(t.body.ticket);
        return;
      } catch {
        /* the gateway is down: try again */
      }
    }
  }

  tick(): void {
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

describe('crash drill: kill -9 each app under load', () => {
  const system = new TestSystem({ HEARTBEAT_INTERVAL_MS: '2000' });
  let pg: Client;
  const players: DrillPlayer[] = [];
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    await system.start();
    pg = await db();
  }, 60_000);
  afterAll(async () => {
    players.forEach((p) => p.stop());
    await system.stop();
    await pg?.end();
    mkdirSync(join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', '..', 'test-artifacts', 'crash-drill.json'), JSON.stringify(report, null, 2));
  });

  it('every acked intent is in the log exactly once, seqs are gapless, and projections equal a rebuild', async () => {
    for (let i = 0; i < 10; i++) {
      const p = new DrillPlayer(system);
      await p.start();
      players.push(p);
    }
    const timer = setInterval(() => players.forEach((p) => p.tick()), 100); // 10 players x 10 intents/s
    const recoveries: Record<string, { firstAppliedAckS: number; firstDeltaS: number }> = {};
    try {
      for (const app of ['sequencer', 'projector', 'gateway'] as AppName[]) {
        await sleep(2500);
        const killedAt = Date.now();
        await system.apps[app].kill();
        await sleep(300);
        await system.apps[app].start(app === 'gateway' ? { PORT: new URL(system.baseUrl).port, HOST: '127.0.0.1' } : {});
        // Recovered: an intent sent after the kill is answered `applied`, and deltas flow again.
        const seqAtKill = Math.max(...players.map((p) => p.nextSeq));
        const restartedAt = Date.now();
        let ackAt = 0;
        let deltaAt = 0;
        for (let i = 0; i < 300 && !(ackAt && deltaAt); i++) {
          const acks = players.flatMap((p) => [...p.answers.entries()].filter(([s, a]) => s >= seqAtKill && a.status === 'applied').map(([, a]) => a.at));
          if (!ackAt && acks.length) ackAt = Math.min(...acks);
          const deltas = players.flatMap((p) => p.deltaTimes.filter((t) => t > restartedAt));
          if (!deltaAt && deltas.length) deltaAt = Math.min(...deltas);
          await sleep(50);
        }
        recoveries[app] = { firstAppliedAckS: ackAt ? (ackAt - killedAt) / 1000 : -1, firstDeltaS: deltaAt ? (deltaAt - killedAt) / 1000 : -1 };
      }
      await sleep(2000);
    } finally {
      clearInterval(timer);
    }
    // Let every resend be answered.
    for (let i = 0; i < 200 && players.some((p) => p.pending.size > 0); i++) await sleep(50);

    const sent = players.reduce((n, p) => n + p.nextSeq - 1, 0);
    const acked = players.flatMap((p) => [...p.answers.entries()].map(([intentSeq, a]) => ({ characterId: p.characterId, intentSeq, ...a })));
    const appliedAcks = acked.filter((a) => a.status === 'applied' || (a.status === 'duplicate' && a.seq !== undefined));
    // Every intent acked as applied (first time, or as a duplicate of an applied one) is in the log once, at its seq.
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
    const worlds = await pg.query('SELECT world_id, count(*)::int AS n, max(seq)::int AS max FROM action_events GROUP BY world_id ORDER BY world_id');
    const gap = { rows: [{ n: worlds.rows.reduce((t, r) => t + r.n, 0), max: worlds.rows.reduce((t, r) => t + r.max, 0) }] };
    const unanswered = players.reduce((n, p) => n + p.pending.size, 0);

    Object.assign(report, {
      players: players.length,
      intentsSent: sent,
      answered: acked.length,
      applied: appliedAcks.length,
      rejected: acked.filter((a) => a.status === 'rejected').length,
      rejectedByCode: acked.filter((a) => a.code).reduce<Record<string, number>>((m, a) => ({ ...m, [a.code!]: (m[a.code!] ?? 0) + 1 }), {}),
      unanswered,
      lost: lost.length,
      duplicatedInLog: duplicated.length,
      ackSeqMismatches: wrongSeq.length,
      logEventsByWorld: Object.fromEntries(worlds.rows.map((r) => [r.world_id, { events: r.n, maxSeq: r.max }])),
      reconnects: players.reduce((n, p) => n + p.reconnects, 0),
      secondsToRecover: recoveries,
    });
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(wrongSeq).toEqual([]);
    for (const w of worlds.rows) expect(w.n).toBe(w.max); // gapless in every world
    expect(unanswered).toBe(0);

    // Projections converge: what the projector built through the crashes equals a rebuild from the log.
    const cp = async () => (await pg.query('SELECT coalesce(sum(seq), 0)::int AS seq FROM projection_checkpoints')).rows[0].seq;
    for (let i = 0; i < 100 && (await cp()) < gap.rows[0].max; i++) await sleep(50);
    await system.apps.projector.stop();
    const live = await dumpReadModels(pg);
    await system.apps.projector.start({}, ['--rebuild']);
    for (let i = 0; i < 100 && (await cp()) < gap.rows[0].max; i++) await sleep(50);
    expect(await dumpReadModels(pg)).toEqual(live);
  }, 120_000);
});
