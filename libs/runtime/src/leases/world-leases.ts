import type { Logger } from '../logger';
import { LeaseFence, LeaseLostError, LeaseTable } from './lease-table';
import { worldsOf } from './rendezvous';

/** What a role does with a world around its lease (the sequencer's intake and memory, the projector's). */
export interface WorldOwner {
  /**
   * The lease was just taken at `epoch`: load the world afresh from the log (another member may
   * have appended to it since this one last held it) and start taking its work. A throw gives the
   * world back, to be taken again at a later beat.
   */
  gained(worldId: string, epoch: number): Promise<void>;
  /**
   * The world goes (to another member, or its lease was lost, or the process stops): take no more
   * of its work, and resolve once nothing of it is in hand. The lease is released only after.
   */
  drain(worldId: string): Promise<void>;
}

export interface WorldLeasesOptions {
  /** A lease's and a membership's time to live (LEASE_TTL_MS): how long a killed member's worlds wait. */
  ttlMs: number;
  /** How often a member heartbeats, renews and rebalances (LEASE_RENEW_MS): a join or a stop moves worlds within about this. */
  renewMs: number;
  /**
   * Worlds found beyond those given (the worlds in the log: one whose map is gone, or made by an
   * operator's import, still needs its read model), looked up every `DISCOVER_MS` at a rebalance.
   */
  discover?: () => Promise<readonly string[]>;
}

interface Held {
  epoch: number;
  /** performance.now() past which this process no longer counts on the lease (the table's expiry is later). */
  validUntil: number;
}

/**
 * This process's share of a role's worlds. Each beat (every `renewMs`) heartbeats its membership
 * and renews its leases; then, serially, it gives up what it holds and should not (the members
 * changed: drained first, then released at once) and takes what it should and is free. Who should
 * own what is rendezvous hashing over the live members, so every member reaches the same answer.
 * Safety does not rest on that agreement, only on the lease table (see `LeaseTable`, migration 011):
 * while members disagree, a world is held by one of them or by none.
 */
export class WorldLeases {
  private readonly held = new Map<string, Held>();
  private members: string[] = [];
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private moves: Promise<void> = Promise.resolve();
  private moving = false;
  private running = false;
  private readonly worlds: Set<string>;
  private discoveredAt = -Infinity;

  constructor(
    private readonly table: LeaseTable,
    readonly member: string,
    worlds: readonly string[],
    private readonly owner: WorldOwner,
    private readonly logger: Logger,
    private readonly opts: WorldLeasesOptions,
  ) {
    this.worlds = new Set(worlds);
  }

  /** Starts beating: the worlds that are this member's are taken as they come free. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.renewMs);
    this.timer.unref();
  }

  /**
   * PostgreSQL is away: the leases cannot be renewed, so every world is drained now and counted as
   * lost (their leases expire in the table; `start` takes them again, at a new epoch).
   */
  async pause(): Promise<void> {
    this.halt();
    await this.settle();
    for (const w of [...this.held.keys()]) await this.drop(w, 'paused');
  }

  /** Graceful stop: every world drained and released at once, and the membership left, so the others take over at their next beat. */
  async stop(): Promise<void> {
    this.halt();
    await this.beating; // its heartbeat would write the membership back
    // Leaving first: the others count this member out at their next beat and take each world as
    // soon as it is released below, and a stop cut short by its deadline leaves no member behind
    // that they would keep hashing worlds to for a time to live.
    await this.table.leave(this.member).catch(() => undefined);
    await this.settle();
    for (const [w, h] of [...this.held]) {
      await this.drop(w, 'stopping');
      await this.table.release(w, this.member, h.epoch).catch((err: Error) => this.logger.warn({ worldId: w, err: err.message }, 'lease not released; it expires'));
    }
  }

  /** Whether this process holds the world now (and the lease has not run out on its clock). */
  holds(worldId: string, now = performance.now()): boolean {
    const h = this.held.get(worldId);
    return !!h && now < h.validUntil;
  }

  /** The worlds held, each with its epoch. */
  heldWorlds(): ReadonlyMap<string, number> {
    return new Map([...this.held].map(([w, h]) => [w, h.epoch]));
  }

  /** The members seen at the last beat (this one included). */
  liveMembers(): readonly string[] {
    return this.members;
  }

  /** The fence for an append writing these worlds; throws for a world not held (the append must not be tried). */
  fence(worlds: Iterable<string>): LeaseFence {
    const ws = [...new Set(worlds)];
    const epochs = ws.map((w) => {
      const h = this.held.get(w);
      if (!h) throw new LeaseLostError(`world ${w} is not held by ${this.member}`);
      return h.epoch;
    });
    return { role: this.table.role, holder: this.member, worlds: ws, epochs };
  }

  /** An append found a lease gone (SQLSTATE TMLEA): the world is dropped now, not at the next beat. */
  lost(worldId: string): void {
    if (!this.held.has(worldId)) return;
    this.logger.warn({ worldId, member: this.member }, 'an append found the world lease gone; dropping the world');
    this.queue(() => this.drop(worldId, 'lost'));
  }

  private halt(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async settle(): Promise<void> {
    await this.beating;
    await this.moves;
  }

  /** Heartbeat and renewal, never two at once and never waiting for the moves (a long load must not let the leases run out). */
  private async beat(): Promise<void> {
    if (this.beating || !this.running) return;
    this.beating = (async () => {
      const started = performance.now();
      const asked = new Map([...this.held].map(([w, h]) => [w, h.epoch]));
      try {
        this.members = await this.table.heartbeat(this.member);
        const renewed = await this.table.renew(this.member, asked);
        for (const [w, epoch] of asked) {
          const h = this.held.get(w);
          if (!h || h.epoch !== epoch) continue; // dropped or taken again meanwhile
          if (renewed.has(w)) h.validUntil = started + this.opts.ttlMs - SAFETY_MS;
          else {
            this.logger.warn({ worldId: w, epoch, member: this.member }, 'world lease expired before it was renewed; dropping the world');
            this.queue(() => this.drop(w, 'lost'));
          }
        }
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, member: this.member }, 'lease beat failed');
        return;
      }
      if (!this.moving && this.running) this.queue(() => this.rebalance());
    })().finally(() => (this.beating = undefined));
    await this.beating;
  }

  private queue(step: () => Promise<void>): void {
    this.moves = this.moves.then(step).catch((err: Error) => this.logger.warn({ err: err.message, member: this.member }, 'world move failed; retried at the next beat'));
  }

  /** Gives up what is not this member's (drained, then released), and takes what is and is free. */
  private async rebalance(): Promise<void> {
    this.moving = true;
    try {
      await this.discover();
      const mine = new Set(worldsOf(this.member, [...this.worlds], this.members));
      for (const [w, h] of [...this.held]) {
        if (mine.has(w) || !this.running) continue;
        await this.drop(w, 'rebalance');
        await this.table.release(w, this.member, h.epoch);
        this.logger.info({ worldId: w, epoch: h.epoch, member: this.member, members: this.members.length }, 'world handed over');
      }
      for (const w of mine) {
        if (this.held.has(w) || !this.running) continue;
        const started = performance.now();
        const epoch = await this.table.take(w, this.member);
        if (epoch === undefined) continue; // its holder has not let go yet
        this.held.set(w, { epoch, validUntil: started + this.opts.ttlMs - SAFETY_MS });
        try {
          await this.owner.gained(w, epoch);
          this.logger.info({ worldId: w, epoch, member: this.member, ms: Math.round(performance.now() - started) }, 'world taken');
        } catch (err) {
          this.logger.warn({ worldId: w, err: (err as Error).message }, 'world could not be taken up; giving it back');
          await this.drop(w, 'lost');
          await this.table.release(w, this.member, epoch).catch(() => undefined);
        }
      }
    } finally {
      this.moving = false;
    }
  }

  private async discover(): Promise<void> {
    if (!this.opts.discover || performance.now() - this.discoveredAt < DISCOVER_MS) return;
    try {
      for (const w of await this.opts.discover()) this.worlds.add(w);
      this.discoveredAt = performance.now();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'worlds in the log not listed; trying again at the next beat');
    }
  }

  private async drop(worldId: string, why: string): Promise<void> {
    if (!this.held.has(worldId)) return;
    await this.owner.drain(worldId);
    this.held.delete(worldId);
    this.logger.debug({ worldId, why, member: this.member }, 'world dropped');
  }
}

/** How often the worlds in the log are looked up again (`discover`). */
const DISCOVER_MS = 5000;

/** Margin under the lease's time to live within which this process stops counting on a lease it has not renewed. */
const SAFETY_MS = 250;
