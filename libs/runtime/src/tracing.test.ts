import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from './logger';
import { contextFrom, linksTo, parseTraceparent, traceparentOf } from './tracing';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('parses a valid traceparent into a remote span context, and writes it back the same', () => {
    const sc = parseTraceparent(`00-${T}-${S}-01`);
    expect(sc).toEqual({ traceId: T, spanId: S, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(traceparentOf(sc!)).toBe(`00-${T}-${S}-01`);
    expect(trace.getSpanContext(contextFrom(`00-${T}-${S}-01`))?.traceId).toBe(T);
  });

  it.each([undefined, '', 'garbage', `00-${T}-${S}`, `00-${T.toUpperCase()}-${S}-01`, `ff-${T}-${S}-01`, `00-${'0'.repeat(32)}-${S}-01`, `00-${T}-${'0'.repeat(16)}-01`, `00-${T}-${S}-01-extra`])(
    'refuses %p (a new trace begins instead)',
    (tp) => {
      expect(parseTraceparent(tp)).toBeUndefined();
      expect(trace.getSpanContext(contextFrom(tp))).toBeUndefined();
    },
  );

  it('links each distinct span once and leaves malformed ones out', () => {
    const other = `00-${T}-${'1'.repeat(16)}-01`;
    expect(linksTo([`00-${T}-${S}-01`, 'bad', other, `00-${T}-${S}-01`, undefined]).map((l) => l.context.spanId)).toEqual([S, '1'.repeat(16)]);
  });
});

describe('trace ids in log lines', () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  beforeAll(() => context.setGlobalContextManager(manager));
  afterAll(() => context.disable());

  it('adds trace_id and span_id to a line written inside a span, and nothing outside one', async () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'debug', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const span = trace.wrapSpanContext({ traceId: T, spanId: S, traceFlags: TraceFlags.SAMPLED });
    await context.with(trace.setSpan(context.active(), span), async () => {
      await Promise.resolve();
      logger.debug('inside');
    });
    logger.info('outside');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'inside', trace_id: T, span_id: S });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('trace_id');
  });
});
