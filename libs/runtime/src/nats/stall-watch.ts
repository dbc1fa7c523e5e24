import type { ConsumerInfo } from '@nats-io/jetstream';

/**
 * Tells a consumer that delivers nothing though messages wait for it. Two kinds:
 *
 * - Nothing in flight and the delivered seq unchanged over two looks. Seen on nats-server 2.9 when
 *   a consumer is made on a stream made again a moment after the old one was deleted: it keeps a
 *   pull waiting and never answers it. Making the consumer again cures some; when it does not, the
 *   stream itself is broken (it reports messages it never hands out) and is made again.
 * - Messages in flight, and neither a delivery (redeliveries included) nor an ack over
 *   `inFlightLooks` looks in a row: no pull of the client's reaches the consumer (one lost with a
 *   NATS node that restarted), so even what ack_wait gives back is never handed out again. Only
 *   for a consumer whose messages never stay in flight longer than its ack_wait while its owner
 *   works (the sequencer's); by default never said.
 */
export class StallWatch {
  private last?: { delivered: number; acked: number; pending: number };
  /** Looks in a row, after the first, at which nothing moved while messages waited. */
  private still = 0;

  constructor(private readonly inFlightLooks = Number.POSITIVE_INFINITY) {}

  /** True when this look finds the consumer stalled (then the count starts over). */
  observe(info: ConsumerInfo): boolean {
    // consumer_seq counts redeliveries too: a consumer naking what it cannot take yet is not stalled.
    const now = { delivered: info.delivered.consumer_seq, acked: info.ack_floor.consumer_seq, pending: info.num_pending };
    const last = this.last;
    const moved = !last || last.pending === 0 || now.pending === 0 || last.delivered !== now.delivered || last.acked !== now.acked;
    this.still = moved ? 0 : this.still + 1;
    this.last = now;
    const stalled = this.still >= (info.num_ack_pending === 0 ? 1 : this.inFlightLooks);
    if (stalled) this.forget();
    return stalled;
  }

  forget(): void {
    this.last = undefined;
    this.still = 0;
  }
}
