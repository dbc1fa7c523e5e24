import type { JetStreamClient } from '@nats-io/jetstream';
import type { Handover } from '@tilemud/domain';
import type { HandoverIntentEnvelope, Logger, Topology } from '@tilemud/runtime';
import type { EventLog } from './event-log';

/**
 * The second half of portal crossings. A departure is recorded in the old world's log with the
 * batch that decided it; this sends its arrival to the new world's intents (msgID = handoverId,
 * so a repeat within the dedupe window is dropped, and the arrival is idempotent by epoch anyway).
 * Whatever was lost (a crash after the commit, NATS losing the intent) is found again by
 * `recover`, which looks in the log for departures that never arrived.
 */
export class Handovers {
  constructor(
    private readonly js: JetStreamClient,
    private readonly t: Topology,
    private readonly log: EventLog,
    private readonly logger: Logger,
  ) {}

  async send(h: Handover): Promise<void> {
    const env: HandoverIntentEnvelope = { kind: 'handover', worldId: h.toWorldId, characterId: h.characterId, handover: h };
    await this.js.publish(this.t.intentSubject(h.toWorldId), JSON.stringify(env), { msgID: `handover:${h.handoverId}` });
  }

  sendSoon(list: Handover[]): void {
    for (const h of list) {
      this.send(h).catch((err) => this.logger.warn({ err: (err as Error).message, handoverId: h.handoverId }, 'hand-over not sent; recovery will resend it'));
    }
  }

  /** Resends every departure older than `olderThanMs` whose arrival is not in the log. */
  async recover(olderThanMs: number): Promise<number> {
    const pending = await this.log.pendingHandovers(olderThanMs);
    for (const h of pending) await this.send(h);
    if (pending.length) this.logger.info({ handovers: pending.map((h) => h.handoverId) }, 'resent hand-overs that had not arrived');
    return pending.length;
  }
}
