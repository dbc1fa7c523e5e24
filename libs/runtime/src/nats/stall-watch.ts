import type { ConsumerInfo } from '@nats-io/jetstream';

/**
 * Tells a consumer that delivers nothing though messages wait for it: nothing in flight and the
 * delivered seq unchanged over two looks. Seen on nats-server 2.9 when a consumer is made on a
 * stream made again a moment after the old one was deleted: it keeps a pull waiting and never
 * answers it. Making the consumer again cures some; when it does not, the stream itself is broken
 * (it reports messages it never hands out) and is made again.
 */
export class StallWatch {
  private last?: { delivered: number; pending: number };

  /** True when this look and the one before both found messages waiting and none delivered. */
  observe(info: ConsumerInfo): boolean {
    // consumer_seq counts redeliveries too: a consumer naking what it cannot take yet is not stalled.
    const now = { delivered: info.delivered.consumer_seq, pending: info.num_pending };
    const stalled = info.num_ack_pending === 0 && now.pending > 0 && this.last !== undefined && this.last.pending > 0 && this.last.delivered === now.delivered;
    this.last = stalled ? undefined : now;
    return stalled;
  }

  forget(): void {
    this.last = undefined;
  }
}
