import { Backoff, Logger } from '@tilemud/runtime';

const SUMMARY_EVERY_MS = 10_000;

/**
 * Keeps the sequencer calm while the event log cannot be written. A failed append is followed by
 * a pause that doubles from 100 ms to 2 s, so a queue of intents is answered in a few batches
 * rather than retried hot; and the log gets one line when it starts, a summary every 10 s while it
 * lasts and one when it is over, instead of a line per intent.
 */
export class Outage {
  private since?: number;
  private lastSummary = 0;
  private readonly pause = new Backoff({ initialMs: 100, maxMs: 2000 });
  private failedAppends = 0;
  private refused = 0;
  private held = 0;

  constructor(private readonly logger: Logger) {}

  /**
   * Intents answered without being decided: `refused` (players, UNAVAILABLE) and `held` (sent back
   * to the queue for later). `err` is the failed append's, when one was tried.
   */
  answered(refused: number, held: number, err?: Error): void {
    const now = Date.now();
    if (this.since === undefined) {
      this.since = now;
      this.lastSummary = now;
      this.logger.warn({ err: err?.message }, 'event log unavailable: refusing player intents, holding the others');
    }
    if (err) this.failedAppends++;
    this.refused += refused;
    this.held += held;
    if (now - this.lastSummary >= SUMMARY_EVERY_MS) {
      this.lastSummary = now;
      this.logger.warn(this.figures(now), 'event log still unavailable');
    }
  }

  /** Waits before the next attempt after an append failed for want of PostgreSQL. */
  async backoff(): Promise<void> {
    await this.pause.wait();
  }

  /** The log takes appends again (or the role resumed): one summary line, if there was trouble. */
  over(): void {
    this.pause.reset();
    if (this.since === undefined) return;
    this.logger.info(this.figures(Date.now()), 'event log available again');
    this.since = undefined;
    this.failedAppends = this.refused = this.held = 0;
  }

  private figures(now: number) {
    return { forMs: now - (this.since ?? now), refused: this.refused, held: this.held, failedAppends: this.failedAppends };
  }
}

/** Socket errors (refused, reset, timed out, no route) as Node names them. */
const SOCKET_CODES = /^E(CONNREFUSED|CONNRESET|CONNABORTED|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|HOSTDOWN|NOTFOUND|AI_AGAIN)$/;
/** What node-postgres says when a connection drops, fails to open in time, or was broken earlier. */
const PG_CONNECTION_MESSAGES = /connection terminated|timeout exceeded when trying to connect|not queryable|connection error/i;

/**
 * Whether an error says PostgreSQL could not be reached, rather than refused one statement (or a
 * bug): a socket error, node-postgres losing its connection, SQLSTATE class 08 (connection
 * exception) or 57P (the server shutting down, restarting or not yet accepting connections). Such
 * a failure is the same for every intent, so retrying them one by one would be pointless.
 */
export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (SOCKET_CODES.test(code) || code.startsWith('08') || code.startsWith('57P')) return true;
  return typeof e?.message === 'string' && PG_CONNECTION_MESSAGES.test(e.message);
}
