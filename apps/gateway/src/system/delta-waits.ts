/** Seqs waited on per world at most; beyond that the oldest are forgotten (a world whose deltas stopped). */
const MAX_WAITS_PER_WORLD = 20_000;

/**
 * Intent → delta latency at this gateway: an intent applied at seq S in world W was received at
 * time t; the first frame of W reaching S written to the world's sockets ends its wait. The ack and
 * the frame race (they travel on different subjects), so a seq already shown when its ack arrives
 * ends at once. Pure: times are passed in.
 */
export class DeltaWaits {
  private readonly waits = new Map<string, Map<number, number>>();
  private readonly shown = new Map<string, number>();

  /** The intent received at `receivedAt` was applied at `seq`: its latency, if its change is already out. */
  applied(world: string, seq: number, receivedAt: number, now: number): number | undefined {
    if ((this.shown.get(world) ?? 0) >= seq) return now - receivedAt;
    let w = this.waits.get(world);
    if (!w) this.waits.set(world, (w = new Map<number, number>()));
    w.set(seq, receivedAt);
    if (w.size > MAX_WAITS_PER_WORLD) w.delete(w.keys().next().value as number);
    return undefined;
  }

  /** A frame of `world` reaching `toSeq` went out: the latencies of the intents it shows. */
  fanned(world: string, toSeq: number, now: number): number[] {
    if (toSeq > (this.shown.get(world) ?? 0)) this.shown.set(world, toSeq);
    const w = this.waits.get(world);
    if (!w) return [];
    const out: number[] = [];
    for (const [seq, at] of w) {
      if (seq > toSeq) continue;
      out.push(now - at);
      w.delete(seq);
    }
    return out;
  }
}
