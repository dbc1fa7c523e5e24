// Bringing sessions up and down over the public contract: guest -> bootstrap -> WebSocket with
// its ticket -> hello -> handshake ack and first full delta; at the end, logout and close.

import WebSocket from 'ws';
import { onClose, onMessage } from './frames.mjs';
import { sleep } from './lifecycle.mjs';
import { CLIENT_VERSION, inc, PROTOCOL_VERSION, wsProtocolOf } from './run.mjs';
import { SetupError } from './session.mjs';

const HELLO = JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
const CLOSE_WAIT_MS = 2_000;

/** The report's key for a failed setup step, e.g. `guest: HTTP 503 CAPACITY_EXCEEDED` or `websocket: timeout`. */
export function failureReason(stage, err) {
  if (err instanceof SetupError) return `${stage}: ${err.message}`;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `${stage}: timeout`;
  const code = err?.cause?.code ?? err?.code;
  if (code) return `${stage}: ${code}`;
  return `${stage}: ${String(err?.message ?? err).slice(0, 120)}`;
}

/** The URL of the socket: ws.path resolved against the session's origin, which it must not leave. */
export function socketUrl(base, wsPath, ticket) {
  let url;
  try {
    url = new URL(wsPath, base);
  } catch {
    throw new SetupError('bad ws.path');
  }
  if (url.host !== base.host) throw new SetupError('ws.path names another host');
  url.protocol = wsProtocolOf(base);
  url.searchParams.set('ticket', ticket);
  return url;
}

/** A POST to the session's server (`base`). */
export async function postJson(run, base, pathname, body, token, okStatuses) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(new URL(pathname, base), {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(run.setupTimeoutMs),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // reported below
  }
  if (!okStatuses.includes(res.status)) {
    const code = json?.error?.code;
    throw new SetupError(`HTTP ${res.status}${code ? ` ${code}` : ''}`);
  }
  if (json === null || typeof json !== 'object') throw new SetupError(`HTTP ${res.status} without a JSON body`);
  return json;
}

/** Opens the session's socket; resolves once the handshake ack and the first full delta have arrived. */
function openSocket(run, s, wsPath, ticket) {
  return new Promise((resolve, reject) => {
    let url;
    try {
      url = socketUrl(s.base, wsPath, ticket);
    } catch (err) {
      reject(err);
      return;
    }

    let settled = false;
    const settle = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.onReady = null;
      s.onSetupFail = null;
      if (err) reject(err);
      else resolve();
    };
    const waitingFor = () => (!s.ws || s.ws.readyState === WebSocket.CONNECTING ? 'upgrade' : s.gotHandshake ? 'full state_delta' : 'handshake ack');
    const timer = setTimeout(() => settle(new SetupError(`timeout waiting for ${waitingFor()}`)), run.setupTimeoutMs);
    s.onReady = () => settle(null);
    s.onSetupFail = (err) => settle(err);

    const ws = new WebSocket(url, {
      perMessageDeflate: run.opts.deflate,
      handshakeTimeout: run.setupTimeoutMs,
      followRedirects: false,
      // Frames are parsed as JSON anyway; a bad byte shows up as a malformed frame.
      skipUTF8Validation: true,
    });
    s.ws = ws;
    ws.on('open', () => ws.send(HELLO));
    ws.on('message', (data) => onMessage(run, s, data));
    ws.on('error', (err) => {
      const key = err?.code ?? String(err?.message ?? err).slice(0, 80);
      inc(run.errors.socketErrors, key);
      settle(new SetupError(key));
    });
    ws.on('close', (code) => onClose(run, s, code));
  });
}

async function setupSession(run, s) {
  const { setup, now } = run;
  const t0 = now();
  let stage = 'guest';
  try {
    const guest = await postJson(run, s.base, '/api/auth/guest', undefined, null, [200, 201]);
    const t1 = now();
    setup.latency.guest.record(t1 - t0);
    if (typeof guest.accessToken !== 'string') throw new SetupError('no accessToken');
    s.playerId = guest.player?.id ?? null;
    s.accessToken = guest.accessToken;

    stage = 'bootstrap';
    const boot = await postJson(run, s.base, '/api/session/bootstrap', { clientVersion: CLIENT_VERSION }, guest.accessToken, [200]);
    const t2 = now();
    setup.latency.bootstrap.record(t2 - t1);
    s.characterId = boot.character?.id ?? null;
    s.worldId = boot.world?.id ?? null;
    const ticket = boot.ws?.ticket;
    if (typeof ticket !== 'string') throw new SetupError('no ws.ticket');
    if (run.placer) {
      stage = 'placement';
      const world = await run.placer.place(s);
      if (world === null) throw new SetupError('character already has a place');
      s.worldId = world;
    }

    stage = 'websocket';
    if (run.stopping) throw new SetupError('interrupted');
    await openSocket(run, s, typeof boot.ws.path === 'string' ? boot.ws.path : '/ws', ticket);
    const t3 = now();
    setup.latency.websocket.record(t3 - t2);
    setup.latency.total.record(t3 - t0);
    s.live = true;
    setup.live++;
  } catch (err) {
    s.failed = true;
    setup.failed++;
    inc(setup.failuresByReason, failureReason(stage, err));
    if (s.ws && !s.closed) {
      s.closedByHarness = true;
      s.ws.terminate();
    }
  }
}

/** Sets every session up, at most `--concurrency` at once, spread over `--ramp` seconds. */
export async function runSetup(run) {
  const { opts, now } = run;
  const n = opts.sessions;
  const rampMs = opts.ramp * 1000;
  const t0 = now();
  let next = 0;
  const worker = async () => {
    while (!run.stopping) {
      const i = next++;
      if (i >= n) return;
      if (rampMs > 0) {
        const wait = t0 + (i * rampMs) / n - now();
        if (wait > 0) await sleep(run, wait);
        if (run.stopping) return;
      }
      run.setup.attempted++;
      await setupSession(run, run.sessions[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, n) }, worker));
}

/** Logs every open session out and closes its socket (terminated after a wait). */
export async function closeAll(run) {
  const open = run.sessions.filter((s) => s.ws !== null && !s.closed);
  // The players quit (logout): their characters leave at once instead of staying for the resume
  // window, so that the next run starts from the same world as this one did.
  for (const s of open) s.closedByHarness = true;
  await Promise.all(open.map((s) => (s.accessToken ? postJson(run, s.base, '/api/session/logout', undefined, s.accessToken, [204]).catch(() => undefined) : undefined)));
  for (const s of open) {
    try {
      if (s.ws.readyState === WebSocket.CONNECTING) s.ws.terminate();
      else s.ws.close(1000, 'load test done');
    } catch {
      s.ws.terminate();
    }
  }
  const deadline = run.now() + CLOSE_WAIT_MS;
  while (run.now() < deadline && open.some((s) => !s.closed)) await sleep(run, 50);
  let terminated = 0;
  for (const s of open) {
    if (!s.closed) {
      terminated++;
      s.ws.terminate();
    }
  }
  return { closed: open.length, terminatedAfterWait: terminated };
}
