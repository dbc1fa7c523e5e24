import { Client } from 'pg';

/** One epoch of one world's lease, as the samples saw it. */
interface EpochSeen {
  worldId: string;
  holder: string;
  epoch: number;
  /** The table's taken_at (PostgreSQL's clock, on this machine: comparable with Date.now()). */
  takenAt: number;
  /** Date.now() of the first and the last sample that showed this epoch. */
  firstSeen: number;
  lastSeen: number;
  /** expires_at at the last sample that showed this epoch (a release sets it 1 ms in the past). */
  lastExpiresAt: number;
}

/** A world passing from one holder to the next, and how long it had no owner in between. */
export interface Handover {
  worldId: string;
  from: string;
  to: string;
  fromEpoch: number;
  toEpoch: number;
  /**
   * What ended the old lease: `killed`, its holder (SIGKILL; the end is the kill's time);
   * `released`, a sample saw its expiry in the past (released by its holder, or run out); `unseen`,
   * released and taken again between two samples.
   */
  ended: 'killed' | 'released' | 'unseen';
  /** From the old lease's end (kill time, release) to the new epoch's taken_at; for `unseen` an upper bound (from the last sample showing the old epoch). */
  ownerlessS: number;
}

/**
 * Samples a role's `world_leases` rows every `everyMs` (on a connection of its own) and keeps each
 * (world, epoch) seen: the drills read from it who held what, and for how long each world was
 * without an owner when it changed hands.
 */
export class LeaseWatch {
  private readonly seen = new Map<string, EpochSeen>();
  private readonly killed = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private sampling = false;
  private pg?: Client;
  samples = 0;

  constructor(
    /** The lease table's role, e.g. `<prefix>:sequencer`. */
    readonly role: string,
    private readonly everyMs = 100,
  ) {}

  async start(): Promise<this> {
    this.pg = new Client({ connectionString: process.env.DATABASE_URL });
    this.pg.on('error', () => undefined); // the run's database dropped at its end: a sample fails, nothing more
    await this.pg.connect();
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.sampling) await new Promise((r) => setTimeout(r, 10));
    await this.pg?.end();
  }

  /** Notes that every lease `holder` has was ended at `at` by a SIGKILL (it never released them). */
  killedAt(holder: string, at: number): void {
    this.killed.set(holder, at);
  }

  private async sample(): Promise<void> {
    if (this.sampling || !this.pg) return;
    this.sampling = true;
    try {
      const { rows } = await this.pg.query<{ world_id: string; holder: string; epoch: string; taken_at: Date; expires_at: Date }>(
        'SELECT world_id, holder, epoch, taken_at, expires_at FROM world_leases WHERE role = $1',
        [this.role],
      );
      const now = Date.now();
      this.samples++;
      for (const r of rows) {
        const key = `${r.world_id}:${r.epoch}`;
        const s = this.seen.get(key);
        if (s) {
          s.lastSeen = now;
          s.lastExpiresAt = r.expires_at.getTime();
        } else
          this.seen.set(key, {
            worldId: r.world_id,
            holder: r.holder,
            epoch: Number(r.epoch),
            takenAt: r.taken_at.getTime(),
            firstSeen: now,
            lastSeen: now,
            lastExpiresAt: r.expires_at.getTime(),
          });
      }
    } catch {
      /* a sample lost (the machine busy): the next one counts */
    } finally {
      this.sampling = false;
    }
  }

  /** When the table says epoch `epoch` of `worldId` was taken (Date.now() time), if it was seen. */
  takenAt(worldId: string, epoch: number): number {
    return this.seen.get(`${worldId}:${epoch}`)?.takenAt ?? NaN;
  }

  /** Each world's current holder at the last sample (live or not). */
  holders(): Map<string, { holder: string; epoch: number; expiresAt: number }> {
    const out = new Map<string, { holder: string; epoch: number; expiresAt: number }>();
    for (const s of this.seen.values()) {
      const cur = out.get(s.worldId);
      if (!cur || s.epoch > cur.epoch) out.set(s.worldId, { holder: s.holder, epoch: s.epoch, expiresAt: s.lastExpiresAt });
    }
    return out;
  }

  /** Worlds per holder at the last sample, counting only leases that had not expired then. */
  worldsByHolder(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const now = Date.now();
    for (const [w, h] of this.holders()) if (h.expiresAt > now - this.everyMs * 2) out.set(h.holder, [...(out.get(h.holder) ?? []), w].sort());
    return out;
  }

  /** Every change of hands whose new epoch was taken at or after `since` (Date.now() time), in order. */
  handovers(since: number): Handover[] {
    const byWorld = new Map<string, EpochSeen[]>();
    for (const s of this.seen.values()) byWorld.set(s.worldId, [...(byWorld.get(s.worldId) ?? []), s]);
    const out: Handover[] = [];
    for (const list of byWorld.values()) {
      list.sort((a, b) => a.epoch - b.epoch);
      for (let i = 1; i < list.length; i++) {
        const [o, n] = [list[i - 1]!, list[i]!];
        if (n.takenAt < since) continue;
        const kill = this.killed.get(o.holder);
        let ended: Handover['ended'];
        let end: number;
        if (kill !== undefined && kill <= n.takenAt) [ended, end] = ['killed', Math.min(kill, o.lastExpiresAt)];
        else if (o.lastExpiresAt <= o.lastSeen) [ended, end] = ['released', o.lastExpiresAt];
        else [ended, end] = ['unseen', o.lastSeen];
        out.push({ worldId: o.worldId, from: o.holder, to: n.holder, fromEpoch: o.epoch, toEpoch: n.epoch, ended, ownerlessS: Math.max(0, n.takenAt - end) / 1000 });
      }
    }
    return out.sort((a, b) => a.worldId.localeCompare(b.worldId) || a.toEpoch - b.toEpoch);
  }
}
