import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import type { IntentAck } from '@tilemud/contracts';
import { TestClient, joinPlayer } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { TestSystem } from '../support/system';

interface Span {
  name: string;
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}

/** OTLP/JSON ids are hex (the JS exporters' JSON encoding); base64 is accepted too, as the spec allows. */
const hex = (id: unknown): string => (typeof id !== 'string' || id === '' ? '' : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

/** The parts of an OTLP/JSON export request (ExportTraceServiceRequest) this receiver reads. */
interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  name: string;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  attributes?: OtlpAttribute[];
  links?: Array<{ traceId?: string; spanId?: string }>;
}
interface OtlpTraces {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

function attrs(list: OtlpAttribute[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list) {
    const v = a.value;
    out[a.key] = v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue);
  }
  return out;
}

/** A tiny OTLP/HTTP receiver (JSON encoding): what a collector would get from the three apps. */
class OtlpReceiver {
  readonly spans: Span[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
        try {
          this.take(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private take(body: OtlpTraces): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = attrs(rs.resource?.attributes)['service.name'] as string;
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({
            name: s.name,
            service,
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            parentSpanId: hex(s.parentSpanId) || undefined,
            attributes: attrs(s.attributes),
            links: (s.links ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
          });
    }
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** One intent as a browser sends it: its own span (never exported) is the parent of the server's. */
const browserSpan = () => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') });

/**
 * One intent is one whole trace: browser traceparent → gateway → JetStream → sequencer decide →
 * PostgreSQL append (linked batch span) → projector apply → gateway fan-out (linked), read from an
 * OTLP/HTTP receiver, with the trace id in the log lines of all three apps.
 */
describe('OpenTelemetry traces across the three apps (OTLP/HTTP)', () => {
  const otlp = new OtlpReceiver();
  const system = new TestSystem();
  let pg: Client;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const endpoint = await otlp.start();
    for (const app of ['gateway', 'sequencer', 'projector'] as const) {
      Object.assign(system.apps[app].env, {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        LOG_LEVEL: 'debug',
      });
    }
    await system.start();
    pg = await db();
    for (let i = 0; i < 4; i++) clients.push(await joinPlayer(system));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await system.stop();
    await otlp.stop();
    await pg?.end();
  });

  const inTrace = (traceId: string) => otlp.spans.filter((s) => s.traceId === traceId);
  const linksInto = (s: Span, traceId: string) => s.links.some((l) => l.traceId === traceId);

  it('gives every intent of a batch one whole trace, with outcomes, linked append and fan-out, and its id in every app log', async () => {
    // Several intents from several clients at once: the sequencer takes them in batches.
    const sent: Array<{ client: TestClient; intentSeq: number; parent: { traceId: string; spanId: string } }> = [];
    const acks: Array<Promise<IntentAck>> = [];
    for (let round = 0; round < 3; round++) {
      for (const c of clients) {
        const parent = browserSpan();
        const intentSeq = ++c.intentSeq;
        sent.push({ client: c, intentSeq, parent });
        c.send({ type: 'intent.chat', intentSeq, payload: { text: `trace ${round}` }, traceparent: `00-${parent.traceId}-${parent.spanId}-01` });
        acks.push(c.waitForAck(intentSeq, 20_000));
      }
    }
    // A rejected intent, traced too; and one sent without a traceparent (the gateway starts its trace).
    const refusedParent = browserSpan();
    const refusedSeq = ++clients[0]!.intentSeq;
    clients[0]!.send({ type: 'intent.action', intentSeq: refusedSeq, payload: { action: 'drop', itemId: randomUUID() }, traceparent: `00-${refusedParent.traceId}-${refusedParent.spanId}-01` });
    const refused = await clients[0]!.waitForAck(refusedSeq, 20_000);
    const bare = await clients[1]!.intent('intent.chat', { text: 'no traceparent' });
    const answered = await Promise.all(acks);
    expect(answered.every((a) => a.status === 'applied')).toBe(true);
    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'ITEM_NOT_FOUND' } });
    expect(bare.status).toBe('applied');

    // Waits until every applied intent's trace has reached the fan-out (spans are exported in batches).
    const whole = (traceId: string) => {
      const t = inTrace(traceId);
      return (
        ['gateway.intent', 'gateway.publish', 'gateway.ack', 'sequencer.decide', 'sequencer.commit', 'projector.apply'].every((n) => t.some((s) => s.name === n)) &&
        otlp.spans.some((s) => s.name === 'gateway.fanout' && (s.traceId === traceId || linksInto(s, traceId)))
      );
    };
    await eventually(
      'every sent intent traced whole (gateway, sequencer, projector, fan-out)',
      () => sent.every((s) => whole(s.parent.traceId)),
      60_000,
      () => sent.filter((s) => !whole(s.parent.traceId)).map((s) => inTrace(s.parent.traceId).map((x) => x.name)),
    );

    const appends = otlp.spans.filter((s) => s.name === 'sequencer.append');
    // At least one group commit carried intents of several clients, and links each of them.
    expect(Math.max(...appends.map((a) => a.links.filter((l) => sent.some((s) => s.parent.traceId === l.traceId)).length))).toBeGreaterThan(1);

    for (const [i, s] of sent.entries()) {
      const traceId = s.parent.traceId;
      const t = inTrace(traceId);
      const one = (name: string) => {
        const found = t.filter((x) => x.name === name);
        expect({ name, count: found.length }).toEqual({ name, count: 1 });
        return found[0]!;
      };
      const intent = one('gateway.intent');
      expect(intent).toMatchObject({ service: 'tilemud-gateway', parentSpanId: s.parent.spanId, attributes: { 'tilemud.intent_seq': s.intentSeq, 'tilemud.client_trace': true } });
      const publish = one('gateway.publish');
      expect(publish.parentSpanId).toBe(intent.spanId);
      const decide = one('sequencer.decide');
      const seq = answered[i]!.seq;
      expect(decide).toMatchObject({
        service: 'tilemud-sequencer',
        parentSpanId: publish.spanId,
        attributes: { 'tilemud.world': intent.attributes['tilemud.world'], 'tilemud.outcome': 'applied', 'tilemud.seq': seq },
      });
      // The group commit: a child of the decide span linking the batch's append span, which links back
      // to this intent and is the parent of the PostgreSQL instrumentation's query span.
      const commit = one('sequencer.commit');
      expect(commit.parentSpanId).toBe(decide.spanId);
      const append = appends.find((a) => a.spanId === commit.links[0]?.spanId);
      expect(append?.links).toContainEqual({ traceId, spanId: decide.spanId });
      expect(otlp.spans.some((q) => q.parentSpanId === append!.spanId && q.traceId === append!.traceId && q.name.startsWith('pg.query'))).toBe(true);
      const apply = one('projector.apply');
      expect(apply).toMatchObject({ service: 'tilemud-projector', parentSpanId: decide.spanId, attributes: { 'tilemud.seq': seq, 'tilemud.outcome': 'applied' } });
      const fanout = otlp.spans.filter((x) => x.name === 'gateway.fanout' && (x.traceId === traceId || linksInto(x, traceId)));
      expect(fanout.length).toBeGreaterThan(0);
      expect(fanout.some((f) => f.links.some((l) => l.spanId === apply.spanId) || f.traceId === traceId)).toBe(true);
      expect(fanout[0]!.attributes['tilemud.world']).toBe(intent.attributes['tilemud.world']);
      expect(one('gateway.ack')).toMatchObject({ parentSpanId: publish.spanId, attributes: { 'tilemud.outcome': 'applied', 'tilemud.seq': seq } });
      // No made-up parent: every parent is a span of this trace, but for the browser's own span.
      const ids = new Set([...t.map((x) => x.spanId), s.parent.spanId]);
      expect(t.filter((x) => x.parentSpanId && !ids.has(x.parentSpanId)).map((x) => x.name)).toEqual([]);
    }

    // The rejected intent: its error code on the sequencer's decide span and on the gateway's ack span.
    // Each app exports its spans in its own batches: the gateway's ack span may come before the sequencer's decide span.
    await eventually(
      "the refused intent's sequencer.decide and gateway.ack spans",
      () => ['sequencer.decide', 'gateway.ack'].every((name) => inTrace(refusedParent.traceId).some((s) => s.name === name)),
      20_000,
    );
    const rt = inTrace(refusedParent.traceId);
    expect(rt.find((s) => s.name === 'sequencer.decide')?.attributes).toMatchObject({ 'tilemud.outcome': 'rejected', 'tilemud.error_code': 'ITEM_NOT_FOUND' });
    expect(rt.find((s) => s.name === 'gateway.ack')?.attributes).toMatchObject({ 'tilemud.outcome': 'rejected', 'tilemud.error_code': 'ITEM_NOT_FOUND' });

    // Without a traceparent the gateway's span is the root; the event stores that trace id.
    const { rows } = await pg.query<{ trace_id: string }>('SELECT trace_id FROM action_events WHERE character_id = $1 AND intent_seq = $2', [clients[1]!.characterId, bare.intentSeq]);
    const bareTrace = rows[0]!.trace_id;
    await eventually(
      "the untraced intent's gateway.intent and projector.apply spans",
      () => ['gateway.intent', 'projector.apply'].every((name) => inTrace(bareTrace).some((s) => s.name === name)),
      20_000,
    );
    expect(inTrace(bareTrace).find((s) => s.name === 'gateway.intent')).toMatchObject({ parentSpanId: undefined, attributes: { 'tilemud.client_trace': false } });
    expect(inTrace(bareTrace).some((s) => s.name === 'projector.apply')).toBe(true);

    // Log lines written inside the intent's spans carry its trace id, in all three apps.
    const traceId = sent[0]!.parent.traceId;
    for (const app of ['gateway', 'sequencer', 'projector'] as const) {
      const lines = system.apps[app].output.split('\n').filter((l) => l.includes(`"trace_id":"${traceId}"`));
      expect({ app, logged: lines.length > 0 }).toEqual({ app, logged: true });
      expect(JSON.parse(lines[0]!)).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) as string });
    }
  }, 120_000);

  it('refuses a malformed traceparent with a typed validation error', async () => {
    const c = clients[2]!;
    const intentSeq = c.intentSeq + 1;
    const from = c.received.length;
    c.send({ type: 'intent.chat', intentSeq, payload: { text: 'bad trace' }, traceparent: '00-not-a-trace-01' });
    const err = await c.waitForType('event.error', (m) => m.intentSeq === intentSeq, 10_000, from);
    expect(err.error).toMatchObject({ code: 'SCHEMA_VALIDATION_FAILED', retryable: false });
  });
});
