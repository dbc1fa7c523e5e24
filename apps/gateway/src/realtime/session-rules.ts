import { CloseCode, ErrorBody, ErrorCode, HELLO_TIMEOUT_MS, makeError, RateLimit } from '@tilemud/contracts';
import type { GatewayConfig } from '../config';
import type { RateLimiter } from '../limits/rate-limiter.service';
import { Beat, HeartbeatWheel, heartbeatWheel } from './heartbeat-wheel';
import type { SessionSocket } from './session-socket';

export type LimitedIntent = 'chat' | 'move' | 'action';
/** Frames that are not intents but make the gateway work (a pong, a replay or snapshot): limited, not activity. */
export type LimitedFrame = 'ping' | 'resync';
type Limited = LimitedIntent | LimitedFrame;

/** How a session is ended by its rules. */
export interface RuleEnforcer {
  /** Closes the socket for what its client did (logged, unlike an ordinary close). */
  shed(code: number, reason: string): void;
  terminate(reason: 'idle_timeout', code: number): void;
}

const INVALID_WINDOW_MS = 10_000;

function describe(kind: Limited, l: RateLimit): string {
  const window = l.windowMs % 1000 === 0 ? `${l.windowMs / 1000} s` : `${l.windowMs} ms`;
  return `${kind}: ${l.limit} per ${window}`;
}

/**
 * The rules a live socket is held to, apart from the protocol itself: intent rate limits (shared
 * through Redis), the count of invalid or refused frames that closes it with 4429, the idle
 * timeout (4408) and the WebSocket ping that finds dead peers.
 */
export class SessionRules implements Beat {
  private readonly strikes: number[] = [];
  private lastIntentAt = Date.now();
  private helloTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private alive = true;

  constructor(
    private readonly socket: Pick<SessionSocket, 'ping' | 'terminate'>,
    private readonly config: GatewayConfig,
    private readonly limiter: Pick<RateLimiter, 'take'>,
    private readonly session: RuleEnforcer,
    private readonly heartbeat: Pick<HeartbeatWheel, 'add' | 'delete'> = heartbeatWheel(config.HEARTBEAT_INTERVAL_MS),
  ) {}

  /** The first message must be a hello within HELLO_TIMEOUT_MS. */
  awaitHello(onTimeout: () => void): void {
    this.helloTimer = setTimeout(onTimeout, HELLO_TIMEOUT_MS);
  }

  helloReceived(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null; // not kept for the session's life
  }

  /** Counts one invalid or refused frame; closes the socket (true) once there are too many. */
  strike(): boolean {
    const now = Date.now();
    this.strikes.push(now);
    while ((this.strikes[0] ?? now) < now - INVALID_WINDOW_MS) this.strikes.shift();
    if (this.strikes.length <= this.config.MAX_INVALID_FRAMES) return false;
    this.session.shed(CloseCode.TOO_MANY_INVALID, 'too many invalid or rate-limited frames');
    return true;
  }

  /** An intent arrived: the session is not idle. Null when it may go on, else the refusal to send. */
  async admit(kind: LimitedIntent, characterId: string): Promise<ErrorBody | null> {
    this.lastIntentAt = Date.now();
    return this.limit(kind, characterId);
  }

  /** A ping or resync arrived (not activity). Null when it may be answered, else the refusal to send. */
  allow(kind: LimitedFrame, characterId: string): Promise<ErrorBody | null> {
    return this.limit(kind, characterId);
  }

  private async limit(kind: Limited, characterId: string): Promise<ErrorBody | null> {
    const c = this.config;
    const limits: Record<Limited, RateLimit> = { chat: c.RATE_LIMIT_CHAT, move: c.RATE_LIMIT_MOVE, action: c.RATE_LIMIT_ACTION, ping: c.RATE_LIMIT_PING, resync: c.RATE_LIMIT_RESYNC };
    const limit = limits[kind];
    const d = await this.limiter.take(kind, characterId, limit);
    if (d.allowed) return null;
    return makeError(ErrorCode.RATE_LIMITED, describe(kind, limit), { retryAfterMs: d.retryAfterMs, details: { limit: kind } });
  }

  /** Starts the idle clock and the ping (on the gateway's one heartbeat wheel); called once the session is live. */
  start(): void {
    this.lastIntentAt = Date.now();
    this.scheduleIdle();
    this.heartbeat.add(this);
  }

  /** One heartbeat: no pong since the last ping means a dead peer (cut), else ping again. */
  beat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  pong(): void {
    this.alive = true;
  }

  private scheduleIdle(): void {
    const due = this.lastIntentAt + this.config.IDLE_TIMEOUT_MS - Date.now();
    this.idleTimer = setTimeout(
      () => {
        if (Date.now() - this.lastIntentAt >= this.config.IDLE_TIMEOUT_MS) this.session.terminate('idle_timeout', CloseCode.IDLE_TIMEOUT);
        else this.scheduleIdle();
      },
      Math.max(due, 10),
    );
  }

  stop(): void {
    this.helloReceived();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.heartbeat.delete(this);
  }
}
