import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { DeltaFrameSchema, Logger, Topology } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CONFIG, LOGGER, NATS, TOPOLOGY } from '../tokens';
import { Delta, mergeRuns } from './delta';
import { fanoutSpan, noteTrace } from './fanout-trace';
import { FrameBudget } from './frame-budget';
import { textFrame } from './ws-frame';
import { GatewayMetrics } from '../system/gateway-metrics';

/** A delta as JSON bytes, and as a complete WebSocket frame around them. */
export interface EncodedFrame {
  payload: Buffer;
  wire: Buffer;
}

/** What the fan-out needs of a client session. */
export interface DeltaReceiver {
  /**
   * `encoded` is the shared frame, serialized once for every session of the world; `now` the
   * flush's clock. Answers the socket writes it made for the frame (0 when its share was empty).
   */
  receive(frame: Delta, encoded: EncodedFrame, parts: readonly Delta[], now?: number): number;
  /** The world has been quiet for FANOUT_IDLE_FRAME_MS: a client behind the world's seq is brought to it. */
  idle?(now: number): number;
}

/**
 * One world's audience. A delta is sent at once when the world has been quiet for the interval;
 * deltas arriving sooner are merged into one frame sent when the interval ends. Each frame is
 * encoded once; whole-world clients get those bytes, area-of-interest clients their share (or
 * nothing). The interval is the gateway's write budget's (frame-budget.ts): FANOUT_INTERVAL_MS,
 * or longer when the writes the frames need would exceed FANOUT_MAX_SENDS_PER_S.
 */
class WorldChannel {
  readonly sessions = new Set<DeltaReceiver>();
  lastSeq = 0;
  private pending: Delta[] = [];
  private timer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private readonly seqWaiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(
    private readonly worldId: string,
    private readonly budget: FrameBudget,
    private readonly idleMs: number,
    /** A frame reaching `seq` was written to every session of the world (for the intent → delta latency). */
    private readonly onSent: (seq: number) => void = () => undefined,
  ) {}

  push(d: Delta): void {
    if (d.seq <= this.lastSeq) return; // a projector re-publishing after a restart
    this.lastSeq = d.seq;
    this.pending.push(d);
    this.budget.delta(this.worldId);
    for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
      const w = this.seqWaiters[i]!;
      if (w.seq <= d.seq) {
        this.seqWaiters.splice(i, 1);
        w.resolve();
      }
    }
    if (this.timer) return;
    const now = Date.now();
    const wait = this.lastFlush + this.budget.interval(now) - now;
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Resolves when a delta reaching `seq` has been seen (its read-model rows are committed by then). */
  reached(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.lastSeq >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { seq, resolve: () => (clearTimeout(t), resolve(true)) };
      const t = setTimeout(() => {
        const i = this.seqWaiters.indexOf(w);
        if (i >= 0) this.seqWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      this.seqWaiters.push(w);
    });
  }

  private flush(): void {
    this.timer = null;
    const now = (this.lastFlush = Date.now());
    const parts = this.pending;
    this.pending = [];
    for (const frame of mergeRuns(parts)) {
      const payload = Buffer.from(JSON.stringify(frame));
      const encoded = { payload, wire: textFrame(payload) };
      const span = fanoutSpan(frame, parts, this.sessions.size);
      let writes = 0;
      for (const s of this.sessions) writes += s.receive(frame, encoded, parts, now);
      span.end();
      this.budget.flushed(this.worldId, writes);
      this.onSent(frame.seq);
    }
    // Clients skipped by the last frames get a seq-only frame if the world stays quiet.
    if (!this.idleTimer) this.idleTimer = setTimeout(() => this.idle(), this.idleMs).unref();
  }

  /** One timer per world, pushed back while frames keep coming (those bring skipped clients along themselves). */
  private idle(): void {
    const now = Date.now();
    const quiet = now - this.lastFlush;
    if (quiet < this.idleMs) {
      this.idleTimer = setTimeout(() => this.idle(), this.idleMs - quiet).unref();
      return;
    }
    this.idleTimer = null;
    for (const s of this.sessions) s.idle?.(now);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }
}

@Injectable()
export class FanoutService implements OnModuleInit, OnModuleDestroy {
  private readonly channels = new Map<string, WorldChannel>();
  private readonly budget: FrameBudget;
  private sub?: Subscription;
  /** Frames sent, for the diagnostics and the load report. */
  framesIn = 0;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(TOPOLOGY) private readonly t: Topology,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    this.budget = new FrameBudget({ minIntervalMs: config.FANOUT_INTERVAL_MS, maxWritesPerS: config.FANOUT_MAX_SENDS_PER_S }, Date.now());
  }

  onModuleInit(): void {
    this.sub = this.nc.subscribe(`${this.t.prefix}.deltas.>`, {
      callback: (err, msg) => {
        if (err) return;
        const d = parseDelta(msg);
        if (!d) {
          this.logger.warn({ subject: msg.subject }, 'malformed delta dropped');
          return;
        }
        this.framesIn++;
        noteTrace(d, msg.headers);
        this.channel(d.worldId).push(d);
      },
    });
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
    for (const c of this.channels.values()) c.stop();
  }

  private channel(worldId: string): WorldChannel {
    let c = this.channels.get(worldId);
    if (!c) {
      c = new WorldChannel(worldId, this.budget, this.config.FANOUT_IDLE_FRAME_MS, (seq) => this.metrics.worldFrameSent(worldId, seq));
      this.channels.set(worldId, c);
    }
    return c;
  }

  join(worldId: string, s: DeltaReceiver): void {
    this.channel(worldId).sessions.add(s);
  }

  leave(worldId: string, s: DeltaReceiver): void {
    this.channels.get(worldId)?.sessions.delete(s);
  }

  /** The last seq this gateway has seen of a world's deltas (always the end of a projector frame). */
  seen(worldId: string): number {
    return this.channels.get(worldId)?.lastSeq ?? 0;
  }

  reached(worldId: string, seq: number, timeoutMs: number): Promise<boolean> {
    return this.channel(worldId).reached(seq, timeoutMs);
  }
}

/** The projector's delta, or undefined when the message is not one (not JSON, or not its schema). */
function parseDelta(msg: Msg): Delta | undefined {
  try {
    const parsed = DeltaFrameSchema.safeParse(msg.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON
  }
}
