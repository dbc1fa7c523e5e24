/** What the queue needs of the socket: its reading can be paused and resumed. */
export interface Readable {
  pause(): void;
  resume(): void;
}

/**
 * A session's work, done one step at a time in arrival order (so its intents reach JetStream in
 * the order sent). Frames waiting are bounded: beyond `maxFrames` the socket stops being read
 * until half of them are done, so a client sending faster than its frames are handled is slowed
 * by TCP instead of growing the gateway.
 */
export class SerialQueue {
  private chain: Promise<void> = Promise.resolve();
  private frames = 0;
  private paused = false;

  constructor(
    private readonly socket: Readable,
    private readonly maxFrames: number,
    /** A step that threw: the session cannot go on. */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs `step` after every step before it; resolves (or rejects) when it is done. */
  push(step: () => Promise<void>): Promise<void> {
    const done = this.chain.then(step);
    this.chain = done.catch(this.onError);
    return done;
  }

  /** A client frame: like push, counted against `maxFrames`. */
  pushFrame(step: () => Promise<void>): void {
    if (++this.frames > this.maxFrames && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.push(step)
      .catch(() => undefined)
      .finally(() => {
        this.frames--;
        if (this.paused && this.frames <= this.maxFrames / 2) {
          this.paused = false;
          this.socket.resume();
        }
      });
  }

  get waiting(): number {
    return this.frames;
  }
}
