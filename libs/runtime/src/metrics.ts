import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Meter, metrics } from '@opentelemetry/api';
// Pinned with @opentelemetry/sdk-node to the 0.223 line, the last that runs on Node 20.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/**
 * Metrics the OpenTelemetry way: every app records through the OpenTelemetry metrics API
 * (`meter()`), and a Prometheus reader registered with the SDK (see `startTracing`) turns them into
 * Prometheus text when scraped. Names are dotted OpenTelemetry names (`tilemud.intents`), served
 * as Prometheus names (`tilemud_intents_total`: the exporter adds `_total` to counters). The 0.223
 * exporter does not add a unit suffix, so a name with a unit carries it (`…duration_seconds`, with
 * `unit: 's'`), as Prometheus's conventions want. Durations are in seconds; labels are bounded sets
 * (world ids, types, outcomes, codes), never a player, character or session id.
 */
export function createMetricsReader(): PrometheusExporter {
  // No server of its own: each app serves the text on a port it already has (or its ops port).
  return new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
}

/** The meter every instrument of the project is made from. */
export function meter(): Meter {
  return metrics.getMeter('tilemud');
}

/** Latency buckets in seconds, from 1 ms (an ack on an idle machine) to 10 s (a stall). */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10];
/** Sizes of a group commit or of a frame's change list. */
export const SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Answers a scrape with the Prometheus text of everything recorded so far. */
export function serveMetrics(reader: PrometheusExporter, req: IncomingMessage, res: ServerResponse): void {
  reader.getMetricsRequestHandler(req, res);
}

let runtimeRegistered = false;

/**
 * Event-loop delay (OpenTelemetry's `nodejs.eventloop.delay.*` names): a process whose loop is
 * blocked answers everything late, whatever its own timings say.
 */
export function registerRuntimeMetrics(): void {
  if (runtimeRegistered) return;
  runtimeRegistered = true;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const m = meter();
  const p50 = m.createObservableGauge('nodejs.eventloop.delay.p50_seconds', { unit: 's', description: 'event-loop delay, median since the last scrape' });
  const p99 = m.createObservableGauge('nodejs.eventloop.delay.p99_seconds', { unit: 's', description: 'event-loop delay, 99th percentile since the last scrape' });
  const max = m.createObservableGauge('nodejs.eventloop.delay.max_seconds', { unit: 's', description: 'event-loop delay, worst since the last scrape' });
  m.addBatchObservableCallback(
    (r) => {
      r.observe(p50, loop.percentile(50) / 1e9);
      r.observe(p99, loop.percentile(99) / 1e9);
      r.observe(max, loop.max / 1e9);
      loop.reset();
    },
    [p50, p99, max],
  );
}
