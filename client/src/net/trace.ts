/**
 * A new W3C traceparent for one intent: the server continues this trace from the gateway to the
 * fan-out (docs/operations.md, Traces). A resend of the intent carries the same one, so retries
 * show in the same trace. Ids come from the platform's random source; a browser without it sends none.
 */
export function newTraceparent(): string | undefined {
  const c = globalThis.crypto;
  if (!c?.getRandomValues) return undefined;
  const hex = (n: number) => Array.from(c.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
  const traceId = hex(16);
  const spanId = hex(8);
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return `00-${traceId}-${spanId}-01`;
}
