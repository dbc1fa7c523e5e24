import type { JetStreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { intFromEnv } from './config';
import { LogReader, Queryable } from './log/reader';
import { meter } from './metrics';

/**
 * The ops port's settings, one per worker (each app gives its own default port, so that both run
 * on one machine). 0.0.0.0 by default, like the gateway's HOST: a Prometheus in another container
 * or on another host must reach it; what it serves has no ids and changes nothing.
 */
export const opsSettings = (defaultPort: number) => ({
  /** `/metrics`, `/healthz`, `/readyz`; 0 = any free port (logged at start). */
  METRICS_PORT: intFromEnv(defaultPort, 0, 65535),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * World leases (sequencers and projectors): a lease's and a membership's time to live. A member
   * killed without a stop leaves its worlds ownerless for about this long; a member stalled for
   * longer loses them (its late appends are refused by the lease fence).
   */
  LEASE_TTL_MS: z.coerce.number().int().min(500).max(60_000).default(2000),
  /** How often a member heartbeats, renews its leases and rebalances; well under LEASE_TTL_MS (a third or less). */
  LEASE_RENEW_MS: z.coerce.number().int().min(50).max(20_000).default(500),
  /**
   * This process's name among its role's members (e.g. a pod's name); unset: host:pid:random. Two
   * processes given the same name never both run: the second waits on the first's member lock.
   */
  MEMBER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - (at most 100)')
    .optional(),
});
export interface OpsConfig {
  METRICS_PORT: number;
  METRICS_HOST: string;
  LEASE_TTL_MS: number;
  LEASE_RENEW_MS: number;
  MEMBER_ID?: string;
}

/** How often background figures (consumer info, log heads) are read: never at scrape time. */
export const POLL_MS = 3000;

/**
 * A value read in the background every `everyMs`, one read at a time, kept for the gauges that
 * report it. A read that fails (NATS or PostgreSQL away) leaves the value unknown once it is older
 * than three periods: a gauge then reports nothing rather than a figure that stopped being true.
 */
export class Polled<T> {
  private value?: T;
  private at = 0;
  private busy = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly everyMs = POLL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  start(): this {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get(): T | undefined {
    return this.now() - this.at <= 3 * this.everyMs ? this.value : undefined;
  }

  /** Reads now (also what the timer does); resolves when done, failure or not. */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.value = await this.read();
      this.at = this.now();
    } catch {
      // Unknown until the next read succeeds; `get` stops reporting it after three periods.
    } finally {
      this.busy = false;
    }
  }
}

/** Every world's log head (its highest seq) in one cheap query (see `LogReader.heads`). */
export function logHeads(db: Queryable): Promise<Map<string, number>> {
  return new LogReader(db).heads();
}

/** 1 while this process holds its role and runs it (a standby, a paused or starting one: 0). */
export function registerRoleHeld(role: 'sequencer' | 'projector', active: () => boolean): void {
  meter()
    .createObservableGauge('tilemud.role.held', { description: '1 while this process holds its role and runs it; 0 as a standby, paused or starting' })
    .addCallback((r) => r.observe(active() ? 1 : 0, { role }));
}

/** Messages the role's JetStream consumer has not delivered yet (absent while NATS is away). */
export function registerConsumerPending(role: 'sequencer' | 'projector', pending: Polled<number>): void {
  meter()
    .createObservableGauge('tilemud.jetstream.consumer.pending', { description: "messages in the stream not yet delivered to this role's consumer" })
    .addCallback((r) => {
      const n = pending.get();
      if (n !== undefined) r.observe(n, { consumer: role });
    });
}

/** The consumer's undelivered messages, polled (consumer info is a request to the server). */
export function pollConsumerPending(jsm: JetStreamManager, stream: string, consumerPrefix: string): Polled<number> {
  return new Polled(async () => {
    // Each world has its own consumer (world leases): the role's backlog is theirs summed.
    let pending = 0;
    for await (const c of jsm.consumers.list(stream)) if (c.name.startsWith(consumerPrefix)) pending += c.num_pending;
    return pending;
  }).start();
}
