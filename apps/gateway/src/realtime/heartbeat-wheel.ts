/** One member of a wheel: visited once per turn (its WebSocket ping, its check for a pong). */
export interface Beat {
  beat(): void;
}

/** Slots a turn is cut into: each tick visits one, so the pings of a full gateway go out spread over the interval. */
const SLOTS = 16;

/**
 * The WebSocket heartbeat of every session of a gateway on one timer, instead of a setInterval
 * per socket (a Timeout and its closure each, kept for the socket's life: issue #16's idle
 * memory). A turn takes `intervalMs`, cut into SLOTS ticks; a member joins the slot after the
 * current one, so it is first visited within one interval of joining and then once per interval,
 * as its own setInterval did. The timer runs only while there are members (unref'd: it never keeps
 * the process alive).
 */
export class HeartbeatWheel {
  private readonly slots: Array<Set<Beat>> = Array.from({ length: SLOTS }, () => new Set());
  private readonly slotOf = new Map<Beat, number>();
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs: number) {}

  get size(): number {
    return this.slotOf.size;
  }

  add(m: Beat): void {
    if (this.slotOf.has(m)) return;
    // The slot just visited: its next visit is a whole turn away.
    const slot = (this.cursor + SLOTS - 1) % SLOTS;
    this.slots[slot]!.add(m);
    this.slotOf.set(m, slot);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), Math.max(1, Math.round(this.intervalMs / SLOTS)));
      this.timer.unref();
    }
  }

  delete(m: Beat): void {
    const slot = this.slotOf.get(m);
    if (slot === undefined) return;
    this.slots[slot]!.delete(m);
    this.slotOf.delete(m);
    if (this.slotOf.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    const slot = this.slots[this.cursor]!;
    this.cursor = (this.cursor + 1) % SLOTS;
    // A member may leave (or another join) while visited: visit a copy.
    for (const m of [...slot]) m.beat();
  }
}

/** The gateway's wheels, one per interval (every session of a gateway has the same one). */
const wheels = new Map<number, HeartbeatWheel>();

export function heartbeatWheel(intervalMs: number): HeartbeatWheel {
  let w = wheels.get(intervalMs);
  if (!w) wheels.set(intervalMs, (w = new HeartbeatWheel(intervalMs)));
  return w;
}
