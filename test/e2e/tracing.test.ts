import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { sleep, TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { TestSystem } from '../support/system';

interface SpanLine {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
}

const read = (file: string): SpanLine[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SpanLine) : [];

/** One intent is one trace: gateway → (NATS traceparent) → sequencer → (NATS traceparent) → projector. */
describe('OpenTelemetry traces across the three apps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tilemud-traces-'));
  const system = new TestSystem();
  let pg: Client;
  let a: TestClient;

  beforeAll(async () => {
    for (const app of ['gateway', 'sequencer', 'projector'] as const) {
      system.apps[app].env.OTEL_TRACES_FILE = join(dir, `${app}.jsonl`);
    }
    await system.start();
    pg = await db();
    a = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await system.stop();
    await pg?.end();
  });

  it('records the gateway span as the parent of the sequencer span, the projector in the same trace, and the trace id in the log', async () => {
    const ack = await a.move(a.freeDirection());
    expect(ack.status).toBe('applied');
    const { rows } = await pg.query('SELECT trace_id FROM action_events WHERE character_id = $1 AND intent_seq = $2', [a.characterId, ack.intentSeq]);
    const traceId = rows[0].trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    let gateway: SpanLine | undefined, sequencer: SpanLine | undefined, projector: SpanLine | undefined;
    for (let i = 0; i < 50 && !(gateway && sequencer && projector); i++) {
      await sleep(100);
      gateway = read(join(dir, 'gateway.jsonl')).find((s) => s.traceId === traceId && s.name === 'gateway.intent');
      sequencer = read(join(dir, 'sequencer.jsonl')).find((s) => s.traceId === traceId && s.name === 'sequencer.decide');
      projector = read(join(dir, 'projector.jsonl')).find((s) => s.traceId === traceId);
    }
    expect(gateway).toMatchObject({ service: 'tilemud-gateway' });
    expect(sequencer).toMatchObject({ service: 'tilemud-sequencer', parentSpanId: gateway!.spanId });
    expect(projector).toMatchObject({ service: 'tilemud-projector' });
  });
});
