// The gateway's memory as the idle job reads it, through the V8 inspector the bench starts it with
// (`--inspect=127.0.0.1:0`, bench only: nothing in the product): a full garbage collection first,
// then process.memoryUsage(), so that the heap figure is what is retained and not garbage that was
// merely not collected yet. Optionally a heap snapshot to a file, for a look at what is retained.

import { createWriteStream } from 'node:fs';
import WebSocket from 'ws';

/** The inspector's WebSocket URL from the child's output (`Debugger listening on ws://…`). */
export function inspectorUrl(lines) {
  for (const line of lines) {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (m) return m[1];
  }
  return null;
}

/** A minimal Chrome DevTools Protocol client: call(method, params) and events by name. */
export async function connectInspector(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 2 ** 20 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${msg.error.message}`));
      else p?.resolve(msg.result);
    } else listeners.get(msg.method)?.(msg.params);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, on: (method, fn) => listeners.set(method, fn), close: () => ws.close() };
}

/** process.memoryUsage() after a full GC (collected twice: weak references and finalizers need a second pass). */
export async function memoryAfterGc(inspector) {
  await inspector.call('HeapProfiler.enable');
  await inspector.call('HeapProfiler.collectGarbage');
  await inspector.call('HeapProfiler.collectGarbage');
  const r = await inspector.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  return JSON.parse(r.result.value);
}

/** Writes a heap snapshot (after a GC) to `file`. */
export async function heapSnapshot(inspector, file) {
  const out = createWriteStream(file);
  inspector.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => out.write(chunk));
  await inspector.call('HeapProfiler.enable');
  await inspector.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await new Promise((resolve) => out.end(resolve));
}
