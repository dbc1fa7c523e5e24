// Loaded FIRST by each app's main.ts (`import '@tilemud/runtime/dist/instrument'`), before pg,
// ioredis or node:http are required: the instrumentations patch modules as they are loaded, and
// a module required earlier would stay unpatched. The tracer they use is the global one, set later
// by `startTracing`; until then their spans are no-ops.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
// Pinned to the lines built on @opentelemetry/instrumentation 0.223.x (Node >= 20.6): the newest
// majors (instrumentation-pg 0.77, -ioredis 0.72, -http 0.300+) need Node >= 22.15, and the
// project runs on Node 20, 22 and 24 (see sdk-node in tracing.ts).
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

registerInstrumentations({
  instrumentations: [
    // Only inside a span of ours (an intent's append, a projector batch): the background queries
    // (locks, health checks, polling) would otherwise each be a trace of one span.
    new PgInstrumentation({ requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    // Incoming REST requests are traces of their own; outgoing calls only within one.
    new HttpInstrumentation({ requireParentforOutgoingSpans: true }),
  ],
});
