import { CloseCode, ErrorCode, makeError } from '@tilemud/contracts';
import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from '../config';
import { LocalBuckets } from '../limits/token-bucket';
import type { ResumeRecord } from '../session/resume.store';
import { ResumeWindow } from '../session/resume-window';
import type { TicketClaims } from '../session/ticket.store';
import type { DeltaReceiver, EncodedFrame } from './fanout.service';
import type { Sender } from './intent-relay';
import type { SessionBooks, SessionMetrics, SessionPorts } from './session-ports';
import type { SessionSocket } from './session-socket';

/**
 * In-memory stand-ins for a session's socket and ports, for the session's unit tests
 * (client-session.test.ts, session-linger.test.ts): no server, no Redis, no NATS.
 */

/** A socket that records what was written to it and how it was closed. */
export class FakeSocket implements SessionSocket {
  isOpen = true;
  bufferedAmount = 0;
  readonly sent: Array<Record<string, unknown>> = [];
  closedWith?: { code: number; reason: string };

  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }

  sendShared(frame: EncodedFrame): boolean {
    if (!this.isOpen) return false;
    this.send(frame.payload.toString());
    return true;
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closedWith = { code, reason };
  }

  terminate(): void {
    this.isOpen = false;
  }

  ping(): void {}
  pause(): void {}
  resume(): void {}

  /** The types of the messages written, in order. */
  types(): unknown[] {
    return this.sent.map((m) => (m.type === 'event.ack' && m.ack ? 'handshake' : m.type));
  }
}

export const claimsOf = (playerId: string, issuedAt = Date.now()): TicketClaims => ({ playerId, username: `name-${playerId}`, characterId: `char-${playerId}`, roles: [], issuedAt });

/** What the fake gateway was asked to do, in order. */
export type Call = [string, ...unknown[]];

/**
 * Ports backed by memory: tickets are `ticket:<playerId>`, every character is in world `w1` at
 * seq 5, resume tokens are `token-<n>`, and a valid resume token is one issued and not yet spent.
 */
export function fakeGateway(env: Record<string, string> = {}) {
  const calls: Call[] = [];
  const config = loadConfig(GatewayConfigSchema, env);
  const window = new ResumeWindow(config);
  const tokens = new Map<string, ResumeRecord>();
  const acks = new Map<string, (ack: Parameters<Parameters<SessionPorts['intents']['register']>[1]>[0]) => void>();
  const buckets = new LocalBuckets();
  let issued = 0;
  /** Knobs a test turns: delays, a dependency down. */
  const state = { relayDelayMs: [] as number[], enterDelayMs: 0, arrivalDelayMs: 0, refusal: undefined as ReturnType<SessionPorts['door']['refusal']> };
  /** Who follows each world's deltas. */
  const watchers = new Map<string, Set<DeltaReceiver>>();
  const pause = (ms: number) => (ms ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
  const metrics = new Proxy({} as SessionMetrics, {
    get:
      (_t, name: string) =>
      (...args: unknown[]) =>
        calls.push([`metrics.${name}`, ...args]),
  });
  const ports: SessionPorts = {
    config,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as SessionPorts['logger'],
    metrics,
    limiter: { take: (bucket, id, limit) => Promise.resolve(buckets.take(`${bucket}:${id}`, limit, 1)) },
    window,
    door: {
      redeem: (ticket) => {
        const playerId = ticket?.startsWith('ticket:') ? ticket.slice(7) : undefined;
        if (playerId) return Promise.resolve({ ok: true, claims: claimsOf(playerId) });
        return Promise.resolve({ ok: false, error: makeError(ErrorCode.AUTH_INVALID_TICKET, 'unknown ticket'), code: CloseCode.BAD_TICKET, reason: 'bad or expired ticket' });
      },
      claimResume: (claims, token) => {
        const rec = tokens.get(token);
        tokens.delete(token);
        return Promise.resolve(rec && rec.characterId === claims.characterId ? rec : undefined);
      },
      notices: () => [],
      refusal: () => state.refusal,
      minClientVersion: () => config.MIN_CLIENT_VERSION,
      serverVersion: '1.0.0',
    },
    world: {
      locate: () => Promise.resolve({ worldId: 'w1', homeWorldId: 'w1' }),
      enter: async (who) => {
        calls.push(['enter', who.sessionId, who.worldId]);
        await pause(state.enterDelayMs);
        return { ok: true, worldId: who.worldId, seq: 5 };
      },
      leave: (who) => (calls.push(['leave', who.sessionId, who.worldId]), Promise.resolve(true)),
      catchUp: (worldId, minSeq, replayFrom) =>
        Promise.resolve(
          replayFrom !== undefined
            ? { replayed: true, frames: [], seq: 5 }
            : { replayed: false, frames: [{ type: 'event.state_delta', worldId, seq: Math.max(5, minSeq), prevSeq: Math.max(5, minSeq), full: true, changes: [] } as never], seq: Math.max(5, minSeq) },
        ),
      arrival: async () => (await pause(state.arrivalDelayMs), 9),
      watch: (worldId, r) => {
        calls.push(['watch', worldId]);
        watchers.set(worldId, (watchers.get(worldId) ?? new Set()).add(r));
      },
      unwatch: (worldId, r) => void (calls.push(['unwatch', worldId]), watchers.get(worldId)?.delete(r)),
    },
    intents: {
      register: (sessionId, onAck) => acks.set(sessionId, onAck),
      unregister: (sessionId) => acks.delete(sessionId),
      relay: async (who: Sender, kind, intentSeq) => {
        await pause(state.relayDelayMs.shift() ?? 0);
        calls.push(['relay', who.sessionId, kind, intentSeq, who.worldId]);
        return null;
      },
    },
    tokens: {
      issue: (rec) => {
        const token = `token-${++issued}`;
        tokens.set(token, rec);
        return Promise.resolve(token);
      },
      revoke: (_playerId, token) => (calls.push(['revoke', token]), tokens.delete(token), Promise.resolve()),
      linger: (token, rec) => (calls.push(['linger', token]), tokens.set(token, rec), Promise.resolve()),
    },
  };
  /** The world's fan-out: one delta (a chat line: every client's share holds it) to every session following it. */
  const publish = (worldId: string, prevSeq: number, seq: number) => {
    const chat = { op: 'chat.message' as const, message: { id: `m${seq}`, from: { id: 'c0', name: 'Zed' }, text: 'hi', at: '2026-12-02T00:00:00.000Z' } };
    const frame = { type: 'event.state_delta' as const, worldId, seq, prevSeq, full: false as const, changes: [chat] };
    const payload = Buffer.from(JSON.stringify(frame));
    for (const r of watchers.get(worldId) ?? []) r.receive(frame, { payload, wire: payload }, [frame]);
  };
  return { ports, calls, window, acks, state, publish };
}

/** The gateway's books on its sessions as SessionGateway keeps them, reduced to what a session sees. */
export function fakeBooks<S extends { id: string; claims: TicketClaims | undefined }>(g: ReturnType<typeof fakeGateway>): SessionBooks<S> {
  return {
    onAuthenticated: (s) => g.calls.push(['authenticated', s.id]),
    onHello: (s) => (g.calls.push(['hello', s.id]), Promise.resolve()),
    onEntered: (s) => {
      g.calls.push(['entered', s.id]);
      const playerId = s.claims?.playerId;
      if (playerId) for (const old of g.window.of(playerId)) if (old.sessionId !== s.id) g.window.end(old.sessionId, 'handed_over');
    },
    onLinger: (s) => g.calls.push(['linger-books', s.id]),
    onLeft: (s, confirmed) => {
      g.calls.push(['left', s.id, confirmed]);
      g.window.release(s.id);
    },
    onClosed: (s) => g.calls.push(['closed', s.id]),
  };
}
