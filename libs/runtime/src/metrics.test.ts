import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { metrics } from '@opentelemetry/api';
import { createMetricsReader, LATENCY_BUCKETS_S, meter, registerRuntimeMetrics, serveMetrics } from './metrics';

describe('metrics: OpenTelemetry instruments served as Prometheus text', () => {
  const reader = createMetricsReader();
  let server: Server;
  let url = '';

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    server = createServer((req, res) => serveMetrics(reader, req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await reader.shutdown();
    metrics.disable();
  });

  it('names counters, histograms and gauges the Prometheus way, with their labels', async () => {
    const m = meter();
    m.createCounter('tilemud.test.intents', { description: 'intents seen' }).add(3, { type: 'move', outcome: 'applied' });
    m.createHistogram('tilemud.test.ack.duration_seconds', { unit: 's', advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S } }).record(0.004, { type: 'move' });
    registerRuntimeMetrics();
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/^tilemud_test_intents_total\{type="move",outcome="applied"\} 3$/m);
    expect(text).toMatch(/^tilemud_test_ack_duration_seconds_bucket\{type="move",le="0.005"\} 1$/m);
    expect(text).toMatch(/^tilemud_test_ack_duration_seconds_bucket\{type="move",le="0.0025"\} 0$/m);
    expect(text).toMatch(/^nodejs_eventloop_delay_p99_seconds \d/m);
  });
});
