// Helpers of the identity suites (identity-*.test.ts): more gateways on the same run, accounts,
// requests from other loopback addresses, and the ledger of every secret a suite handled, which
// its last test looks for in every app's output.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import type { AuthResponse, BootstrapResponse, Change, ErrorBody, EventError, IntentAck, ServerMessage, TicketResponse } from '@tilemud/contracts';
import { AuthResponseSchema, isHandshakeAck, isIntentAck, RestErrorSchema, ServerMessageSchema } from '@tilemud/contracts';
import { api, isFullDelta, TestClient } from '../support/client';
import { AppProcess, freePort, runEnv, TestSystem } from '../support/system';

/** The contract's default limits, passed explicitly: runEnv() turns limits off for the other suites. */
export const CONTRACT_LIMITS = {
  RATE_LIMIT_MOVE: '20/1000',
  RATE_LIMIT_CHAT: '5/10000',
  RATE_LIMIT_ACTION: '10/1000',
};

/** Every token, ticket and password a suite used; none may appear in any log. */
export class SecretLedger {
  readonly secrets = new Set<string>();

  add(...values: Array<string | undefined>): void {
    for (const v of values) if (v && v.length >= 8) this.secrets.add(v);
  }

  /** The secrets found in the given outputs (empty when none leaked). */
  leaks(outputs: string[]): string[] {
    const all = outputs.join('\n');
    return [...this.secrets].filter((s) => all.includes(s) || all.includes(encodeURIComponent(s)));
  }
}

export const ledger = new SecretLedger();

/** One more gateway on the run's NATS, PostgreSQL and Redis (same AUTH_SECRET), on its own port. */
export class ExtraGateway {
  readonly app: AppProcess;
  baseUrl = '';
  wsUrl = '';

  constructor(env: Record<string, string> = {}) {
    this.app = new AppProcess('gateway', runEnv(env));
  }

  async start(): Promise<this> {
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    await this.app.start({ PORT: String(port), HOST: '127.0.0.1' });
    return this;
  }
}

export const outputsOf = (system: TestSystem, extra: ExtraGateway[] = []): string[] => [...Object.values(system.apps).map((a) => a.output), ...extra.map((g) => g.app.output)];

let names = 0;
/** A username no other run or suite has (3–24 of [A-Za-z0-9_]). */
export const uniqueName = (tag: string) => `${tag}${Date.now().toString(36)}${(names++).toString(36)}`.slice(0, 24);

/** The error code of a REST answer in the contract's error shape, else undefined. */
export function errorCode(body: unknown): string | undefined {
  const e = RestErrorSchema.safeParse(body);
  return e.success ? e.data.error.code : undefined;
}

/** Register's answer: an AuthResponse on success, else the contract's RestError (read it with errorCode). */
export async function register(baseUrl: string, username: string, password: string) {
  ledger.add(password);
  const r = await api<AuthResponse>(baseUrl, 'POST', '/api/auth/register', { body: { username, password } });
  ledger.add(r.body?.accessToken);
  return r;
}

export async function login(baseUrl: string, username: string, password: string) {
  ledger.add(password);
  const r = await api<AuthResponse>(baseUrl, 'POST', '/api/auth/login', { body: { username, password } });
  ledger.add(r.body?.accessToken);
  return r;
}

/** A client signed in with this token (bootstrapped, not yet connected). */
export async function clientWithToken(baseUrl: string, wsUrl: string, token: string, clientVersion = '1.0.0'): Promise<TestClient> {
  const c = new TestClient(baseUrl, wsUrl);
  const b = await api<BootstrapResponse>(baseUrl, 'POST', '/api/session/bootstrap', { token, body: { clientVersion } });
  if (b.status !== 200) throw new Error(`bootstrap: ${b.status} ${JSON.stringify(b.body)}`);
  // Only the token is at hand here, not its sign-in answer (so its lifetime is unknown, NaN); the client reads only accessToken.
  c.guest = { accessToken: token, tokenType: 'Bearer', expiresIn: Number.NaN, player: b.body.player };
  c.bootstrap = b.body;
  ledger.add(token, b.body.ws.ticket);
  return c;
}

/** A guest client (bootstrapped as `clientVersion`), its secrets noted. */
export async function guest(baseUrl: string, wsUrl: string, clientVersion = '1.0.0'): Promise<TestClient> {
  const g = await api<AuthResponse>(baseUrl, 'POST', '/api/auth/guest');
  if (g.status !== 201) throw new Error(`guest: ${g.status} ${JSON.stringify(g.body)}`);
  return clientWithToken(baseUrl, wsUrl, g.body.accessToken, clientVersion);
}

/** Opens and says hello with a clientVersion, waiting for the handshake and the snapshot. */
export async function joinAs(c: TestClient, clientVersion?: string): Promise<TestClient> {
  await c.open();
  c.send({ type: 'hello', protocolVersion: '1.0.0', ...(clientVersion ? { clientVersion } : {}) });
  c.handshake = await c.waitFor(isHandshakeAck);
  c.snapshot = await c.waitFor(isFullDelta);
  return c;
}

/** A fresh ticket for a token (for a second connection of the same player). */
export async function ticketFor(baseUrl: string, token: string): Promise<string> {
  const r = await api<TicketResponse>(baseUrl, 'POST', '/api/session/ticket', { token });
  if (r.status !== 200) throw new Error(`ticket: ${r.status} ${JSON.stringify(r.body)}`);
  ledger.add(r.body.ticket);
  return r.body.ticket;
}

/** A REST failure in the contract's shape with this status and code; its error body. */
export function expectRestError(r: { status: number; body: unknown }, status: number, code: string): ErrorBody {
  expect({ status: r.status, code: errorCode(r.body) }).toEqual({ status, code });
  const parsed = RestErrorSchema.safeParse(r.body);
  expect(parsed.success).toBe(true);
  expect(JSON.stringify(r.body)).not.toMatch(/\bat .+\(.+:\d+:\d+\)|Error:|node_modules/); // no stack trace
  if (!parsed.success) throw parsed.error;
  return parsed.data.error;
}

/** Every message a client received is valid by the contract. */
export function expectAllValid(...clients: TestClient[]): void {
  for (const c of clients) for (const m of c.received) expect(ServerMessageSchema.safeParse(m).success ? 'valid' : m).toBe('valid');
}

/** A JSON request from another loopback address (127.0.0.x), for the per-address limits. */
export function apiFrom<T = unknown>(
  localAddress: string,
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(path, baseUrl);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, localAddress, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const parsed: unknown = text ? JSON.parse(text) : undefined;
          const auth = AuthResponseSchema.safeParse(parsed);
          if (auth.success) ledger.add(auth.data.accessToken);
          // As api(): the caller says the body it expects (T), unchecked.
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** `node scripts/ops.mjs ...` against this run's deployment. */
export function ops(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(__dirname, '..', '..', 'scripts', 'ops.mjs'), ...args], { env: runEnv() });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

/** The first change of this op in a delta's changes (typed by its op), if any. */
export function changeOf<Op extends Change['op']>(changes: Change[], op: Op): Extract<Change, { op: Op }> | undefined {
  return changes.find((c): c is Extract<Change, { op: Op }> => c.op === op);
}

/** An intent's answer: its ack or its refusal (event.error); the handshake's ack is none. */
export function isIntentAnswer(m: ServerMessage): m is IntentAck | EventError {
  return isIntentAck(m) || m.type === 'event.error';
}
