import { readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import WebSocket from 'ws';
import { RestErrorSchema, type TicketResponse } from '@tilemud/contracts';
import { api, joinPlayer, sleep, TestClient } from '../support/client';
import { eventually } from '../support/eventually';
import { AppProcess, TestSystem } from '../support/system';
import { ExtraGateway } from './identity-helpers';

/**
 * A hostile client against the gateway's socket edge: flooding replies onto a socket it never
 * reads, holding TCP connections that never send, opening more than its share, and sending frames
 * the WebSocket layer refuses. Figures are printed for docs/reliability.md.
 */

const HEADERS_TIMEOUT_MS = 2000;
const CAP = 16;
/** What one address may hold open; the suite's own clients (REST, sockets) use 127.0.0.1. */
const RAW_ADDRESS = '127.0.0.3';
const OTHER_ADDRESS = '127.0.0.4';
/** Under the flood the gateway may grow this much at most (the unfixed one grew ~10 MB/s). */
const RSS_GROWTH_LIMIT_MB = 100;
/**
 * The unread socket must be gone this soon after the flood starts. Seen 2–4 s on an idle machine
 * and 10.8 s with two full test runs on the same two cores; the close code checked below (4429,
 * 4503) says it was the limit that closed it, not the heartbeat (15–30 s, close 1001/1006).
 */
const CLOSE_BOUND_MS = 20_000;

const rssMb = (p: AppProcess) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.proc!.pid}/status`, 'utf8'))![1]) / 1024;

const until = async (pred: () => boolean, timeoutMs: number, what: string): Promise<void> => void (await eventually(what, pred, timeoutMs));

/** The gateway's log lines (pino JSON) added since `from`. */
const linesOf = (p: AppProcess, from = 0) =>
  p.output
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });

/**
 * Stops reading the socket (as a client that never reads does), then sends `frame` 500 times a
 * second until the connection ends or `maxMs` passes. Meanwhile `bystander` moves to and fro and
 * must keep getting its acks and deltas. Returns the figures.
 */
async function unreadFlood(gw: AppProcess, abuser: TestClient, bystander: TestClient, frame: unknown, maxMs: number) {
  const before = rssMb(gw);
  let peak = before;
  const started = Date.now();
  (abuser.ws as unknown as { _socket: Socket })._socket.pause();
  const text = JSON.stringify(frame);
  let sent = 0;
  const flood = setInterval(() => {
    for (let i = 0; i < 5 && abuser.ws!.readyState === WebSocket.OPEN; i++, sent++) abuser.ws!.send(text);
  }, 10);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(gw))), 200);
  const from = bystander.received.length;
  let applied = 0;
  try {
    while (!abuser.closed && Date.now() - started < maxMs) {
      const ack = await bystander.move(bystander.intentSeq % 2 ? 'south' : 'north');
      if (ack.status === 'applied') applied++;
      await sleep(200); // the bystander's pace: a person playing beside the flood, not a wait
    }
  } finally {
    clearInterval(flood);
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssMb(gw));
  const closedAfterMs = abuser.closed ? Date.now() - started : undefined;
  const deltas = bystander.received.slice(from).filter((m) => m.type === 'event.state_delta').length;
  return { beforeMb: Math.round(before), peakMb: Math.round(peak), growthMb: Math.round(peak - before), closedAfterMs, sent, applied, deltas };
}

/** A raw TCP connection from `localAddress` that sends nothing; resolves once connected. */
function rawSocket(port: number, localAddress: string): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let data = '';
    let closed = false;
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('data', (b) => (data += b.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, data: () => data, closed: () => closed }));
    socket.once('error', reject);
  });
}

describe('socket abuse: unread floods, idle connections, per-address cap, refused frames', () => {
  const system = new TestSystem({
    // The contract's default limits for ping and resync (runEnv turns them off for other suites).
    RATE_LIMIT_PING: '20/10000',
    RATE_LIMIT_RESYNC: '5/10000',
    MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  });
  // No ping or resync limit here: what bounds an unread socket is its send budget alone. A long
  // headers timeout, so that connections held to test the cap are not closed for idling meanwhile.
  const unlimited = new ExtraGateway({
    RATE_LIMIT_PING: '0/1',
    RATE_LIMIT_RESYNC: '0/1',
    RESUME_WINDOW_MS: '30000',
    MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
    HTTP_HEADERS_TIMEOUT_MS: '60000',
  });
  let bystander: TestClient;
  const port = (gw: { baseUrl: string } = system) => Number(new URL(gw.baseUrl).port);

  /** Whether a new connection from `address` is let in: a refused one is answered 429 at once. */
  async function admitted(address: string): Promise<boolean> {
    const s = await rawSocket(port(unlimited), address);
    try {
      await until(() => s.closed() || s.data() !== '', 1000, 'an answer').catch(() => undefined);
      return !s.data().startsWith('HTTP/1.1 429');
    } finally {
      s.socket.destroy();
    }
  }

  beforeAll(async () => {
    await system.start();
    await unlimited.start();
    bystander = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await bystander?.close();
    await unlimited.app.stop();
    await system.stop();
  });

  it.each([
    ['resync', { type: 'resync', lastSeq: 0 }],
    ['ping', { type: 'ping', ts: 1 }],
  ])(
    'closes an unread socket flooding %s (rate limited: 4429) with the gateway bounded, and a bystander plays on',
    async (kind, frame) => {
      const abuser = await joinPlayer(system);
      const logFrom = system.apps.gateway.output.length;
      const r = await unreadFlood(system.apps.gateway, abuser, bystander, frame, CLOSE_BOUND_MS + 5000);
      console.log(`unread ${kind} flood (limits on): ${JSON.stringify(r)}`);
      expect(r.closedAfterMs).toBeLessThan(CLOSE_BOUND_MS);
      expect(r.growthMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
      expect(r.applied).toBeGreaterThan(0);
      expect(r.deltas).toBeGreaterThan(0);
      const closedBy = linesOf(system.apps.gateway, logFrom).find((l) => l.sessionId === abuser.handshake!.sessionId && /socket closed/.test(l.msg));
      expect(closedBy).toMatchObject({ code: 4429 });
      // The bystander is fine afterwards too.
      expect((await bystander.move(bystander.intentSeq % 2 ? 'south' : 'north')).type).toBe('event.ack');
    },
    60_000,
  );

  it('closes an unread socket over its send budget (4503) when nothing else limits it; its session resumes', async () => {
    const gw = unlimited.app;
    const abuser = await joinPlayer(unlimited);
    const watcher = await joinPlayer(unlimited);
    const logFrom = gw.output.length;
    const r = await unreadFlood(gw, abuser, watcher, { type: 'resync', lastSeq: 0 }, CLOSE_BOUND_MS + 15_000);
    console.log(`unread resync flood (no limits, send budget only): ${JSON.stringify(r)}`);
    expect(r.closedAfterMs).toBeLessThan(CLOSE_BOUND_MS);
    expect(r.growthMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    expect(r.applied).toBeGreaterThan(0);
    const closedBy = linesOf(gw, logFrom).find((l) => l.sessionId === abuser.handshake!.sessionId && /socket closed/.test(l.msg));
    expect(closedBy).toMatchObject({ code: 4503 });
    // Like any dropped socket, it enters the resume window: the client comes back where it was.
    const ack = await abuser.resume(unlimited);
    expect(ack).toMatchObject({ type: 'event.ack', ack: 'handshake', resumed: true });
    await abuser.close();
    await watcher.close();
  }, 60_000);

  it('closes TCP connections that never send a request within the headers timeout', async () => {
    const idle = await Promise.all(Array.from({ length: CAP }, () => rawSocket(port(), RAW_ADDRESS)));
    const started = Date.now();
    await until(() => idle.every((s) => s.closed()), HEADERS_TIMEOUT_MS + 8000, `idle connections closed (${idle.filter((s) => !s.closed()).length} of ${idle.length} still open)`).finally(() =>
      console.log(`idle connections: ${idle.filter((s) => !s.closed()).length} of ${idle.length} open after ${Date.now() - started} ms`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 200);
  }, 30_000);

  it('caps concurrent connections per address: beyond it 429 RATE_LIMITED and closed; other addresses unaffected', async () => {
    const held = await Promise.all(Array.from({ length: CAP }, () => rawSocket(port(unlimited), RAW_ADDRESS)));
    const extra = await Promise.all(Array.from({ length: 4 }, () => rawSocket(port(unlimited), RAW_ADDRESS)));
    try {
      await until(() => extra.every((s) => s.closed()), 5000, 'connections over the cap refused');
      for (const s of extra) {
        const [head, body] = s.data().split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 429 /);
        expect(RestErrorSchema.parse(JSON.parse(body!)).error).toMatchObject({ code: 'RATE_LIMITED', category: 'rate_limited', retryable: true });
      }
      expect(held.filter((s) => s.closed())).toHaveLength(0);
      // A WebSocket upgrade over the cap is refused the same way (before any request is read).
      const ws = new WebSocket(`${unlimited.wsUrl}/ws?ticket=x`, { localAddress: RAW_ADDRESS });
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(0));
      });
      expect(status).toBe(429);
      // Another address is not counted against this one.
      expect(await admitted(OTHER_ADDRESS)).toBe(true);
    } finally {
      for (const s of [...held, ...extra]) s.socket.destroy();
    }
    // Once they are gone, the address has its slots back.
    await eventually(`${RAW_ADDRESS} admitted again once its connections are gone`, () => admitted(RAW_ADDRESS), 10_000);
  }, 30_000);

  it('logs oversized and invalid UTF-8 frames at a low level, a few lines in all', async () => {
    const logFrom = system.apps.gateway.output.length;
    const ROUNDS = 40;
    const codes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // The WebSocket layer refuses these frames before any of our code reads them (a good ticket
      // only keeps the socket open until they arrive).
      const tickets = await Promise.all([0, 1].map(() => api<TicketResponse>(system.baseUrl, 'POST', '/api/session/ticket', { token: bystander.guest!.accessToken })));
      const batch = [0, 1].map(
        (bad) =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(`${system.wsUrl}/ws?ticket=${encodeURIComponent(tickets[bad]!.body.ticket)}`);
            ws.on('open', () => ws.send(bad ? Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) : 'x'.repeat(17 * 1024), { binary: false }));
            ws.on('close', (code) => resolve(code));
            ws.on('error', () => undefined);
          }),
      );
      codes.push(...(await Promise.all(batch)));
    }
    expect(codes.filter((c) => c === 1009)).toHaveLength(ROUNDS);
    expect(codes.filter((c) => c === 1007)).toHaveLength(ROUNDS);
    // The lines are counted, and how many there should be is what is under test: no condition to
    // wait on, so the last ones get a moment to come through the pipe.
    await sleep(300);
    const lines = linesOf(system.apps.gateway, logFrom).filter((l) => /WS_ERR|payload|UTF-8|client fault/i.test(JSON.stringify(l)));
    console.log(`refused frames: ${ROUNDS * 2}, log lines about them: ${lines.length} (levels ${[...new Set(lines.map((l) => l.level))].join(', ') || '-'})`);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(4);
  }, 60_000);
});
