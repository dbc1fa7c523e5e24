import type { Snapshot } from '@tilemud/contracts';
import type { Api } from '../api/endpoints';
import { seqFromEtag } from '../api/endpoints';
import { every, type Clock } from './clock';

/**
 * The fallback when the socket cannot be opened: the world's snapshot over REST, every few
 * seconds and on demand, asking with the last ETag so an unchanged world costs a 304.
 */
export class SnapshotPoller {
  private timer: { stop(): void } | null = null;
  private etag: string | undefined;
  private busy = false;
  lastPolledAt: number | null = null;
  lastError: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly source: () => { token: string; worldId: string },
    private readonly onSnapshot: (snapshot: Snapshot, seq: number) => void,
    private readonly onPolled: () => void,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer) return;
    this.timer = every(this.clock, this.intervalMs, () => void this.poll());
    void this.poll();
  }

  stop(): void {
    this.timer?.stop();
    this.timer = null;
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const { token, worldId } = this.source();
    try {
      const r = await this.api.snapshot(token, worldId, this.etag);
      if (!r.notModified) {
        this.etag = r.etag ?? undefined;
        this.onSnapshot(r.snapshot, seqFromEtag(r.etag) ?? r.snapshot.world.seq);
      }
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
    } finally {
      this.busy = false;
      this.lastPolledAt = this.clock.now();
      this.onPolled();
    }
  }
}
