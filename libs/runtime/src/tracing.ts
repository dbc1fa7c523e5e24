import { appendFileSync } from 'node:fs';
import { Context, context, Link, propagation, ROOT_CONTEXT, Span, SpanContext, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
// @opentelemetry/sdk-node is pinned to 0.223.x: it is the last line that supports Node 20
// (0.300 and later need Node >= 22.15), and the project runs on Node 20, 22 and 24.
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { MsgHdrs } from '@nats-io/transport-node';

/** Writes finished spans as JSON lines: traces without a collector (and what the e2e tests read). */
class JsonLinesSpanExporter implements tracing.SpanExporter {
  constructor(private readonly file: string) {}
  export(spans: tracing.ReadableSpan[], done: (r: ExportResult) => void): void {
    const lines = spans.map((s) =>
      JSON.stringify({
        name: s.name,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId,
        service: s.resource.attributes['service.name'],
        attributes: s.attributes,
        links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
        status: s.status.code,
        durationMs: s.duration[0] * 1e3 + s.duration[1] / 1e6,
      }),
    );
    try {
      if (lines.length) appendFileSync(this.file, lines.join('\n') + '\n');
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }
  async shutdown(): Promise<void> {}
}

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint of a collector (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpEndpoint?: string;
  /** A JSON-lines file to write spans to (OTEL_TRACES_FILE). */
  file?: string;
  /** Where the app's metrics are read from (`createMetricsReader`), served as Prometheus text. */
  metricReader?: MetricReader;
}

/**
 * Starts the OpenTelemetry SDK. Trace ids are made and propagated even with no exporter,
 * so every ActionEvent records the trace of the intent that caused it.
 */
export function startTracing(opts: TracingOptions): { shutdown(): Promise<void> } {
  const spanProcessors: tracing.SpanProcessor[] = [];
  if (opts.otlpEndpoint) {
    spanProcessors.push(new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces` })));
  }
  if (opts.file) spanProcessors.push(new tracing.SimpleSpanProcessor(new JsonLinesSpanExporter(opts.file)));
  // Nothing exports: spans are not recorded (no attributes kept, nothing queued), yet every span
  // still has its ids, so traceparents propagate, events store their trace id and log lines carry
  // trace_id/span_id. With an exporter the default sampler applies (OTEL_TRACES_SAMPLER; parent-based):
  // configure the exporter on all three apps alike, or the unrecorded hops leave their children unsampled.
  const sampler = spanProcessors.length ? undefined : new tracing.AlwaysOffSampler();
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    spanProcessors,
    instrumentations: [],
    ...(sampler ? { sampler } : {}),
    ...(opts.metricReader ? { metricReaders: [opts.metricReader] } : {}),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

export const tracer = () => trace.getTracer('tilemud');

/** Copies the current trace context into NATS headers as W3C `traceparent`. */
export function injectTrace(headers: MsgHdrs, span?: Span): void {
  const ctx = span ? trace.setSpan(context.active(), span) : context.active();
  propagation.inject(ctx, headers, { set: (h, k, v) => h.set(k, String(v)) });
}

/** Starts a span that continues the trace found in a message's headers. */
export function spanFromHeaders(name: string, headers: MsgHdrs | undefined, kind = SpanKind.CONSUMER): Span {
  const parent = headers
    ? propagation.extract(context.active(), headers, {
        get: (h, k) => (h.has(k) ? h.get(k) : undefined),
        keys: (h) => h.keys(),
      })
    : context.active();
  return tracer().startSpan(name, { kind }, parent);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C `traceparent` names, or undefined when it is missing or malformed. */
export function parseTraceparent(value: string | undefined | null): SpanContext | undefined {
  const m = value ? TRACEPARENT.exec(value) : null;
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** A context whose parent is the given traceparent; a root context (a new trace) without one. */
export function contextFrom(traceparent: string | undefined | null): Context {
  const sc = parseTraceparent(traceparent);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** The W3C traceparent of a span: what is stored with an event and sent on in headers. */
export function traceparentOf(span: Span | SpanContext): string {
  const sc = 'spanContext' in span ? span.spanContext() : span;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, '0')}`;
}

/** Links to each distinct traceparent given (malformed ones are left out). */
export function linksTo(traceparents: Iterable<string | undefined | null>): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const tp of traceparents) {
    const sc = parseTraceparent(tp);
    if (!sc || seen.has(sc.spanId)) continue;
    seen.add(sc.spanId);
    links.push({ context: sc });
  }
  return links;
}

/** Starts a span under `parent` (a context), with links; run work in it with `inSpan`. */
export function startSpan(name: string, parent: Context, opts: { kind?: SpanKind; links?: Link[]; attributes?: Record<string, string | number | boolean> } = {}): Span {
  return tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, links: opts.links, attributes: opts.attributes }, parent);
}

/** Runs `fn` with `span` active: log lines and instrumented calls (pg, Redis, HTTP) within it join its trace. */
export function inSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** The outcome of an intent on its span: `applied`, `rejected` (with its error code) or `duplicate`. */
export function setOutcome(span: Span, outcome: { status: string; seq?: number; error?: { code: string } }): void {
  span.setAttribute('tilemud.outcome', outcome.status);
  if (outcome.seq !== undefined) span.setAttribute('tilemud.seq', outcome.seq);
  if (outcome.error) span.setAttribute('tilemud.error_code', outcome.error.code);
}

export function endSpan(span: Span, error?: unknown): void {
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  span.end();
}

export { SpanKind };
export type { Context, Link, Span };
