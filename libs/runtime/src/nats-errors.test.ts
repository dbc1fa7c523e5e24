import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, RequestError } from '@nats-io/transport-node';
import type { ConsumerInfo } from '@nats-io/jetstream';
import { StallWatch } from './nats/stall-watch';
import { isNameInUse, isNoMessage, isNoStream, isNotFound, isStoreFailure } from './nats-errors';

const api = (err_code: number) => new JetStreamApiError({ err_code, code: 404, description: 'whatever the server says' });

describe('telling NATS errors apart by class and code', () => {
  it('a publish nobody stored is "no stream", whatever the message says', () => {
    const published = new Error('jetstream is not enabled', { cause: new RequestError('x', { cause: new NoRespondersError('s') }) });
    expect(isNoStream(published)).toBe(true);
    expect(isNoStream(api(10059))).toBe(true);
    expect(isNoStream(new Error('no responders'))).toBe(false);
  });

  it('not found, no message and store failure by API code only', () => {
    expect([isNotFound(api(10059)), isNotFound(api(10014)), isNotFound(api(10037)), isNotFound(new Error('stream not found'))]).toEqual([true, true, false, false]);
    expect([isNoMessage(api(10037)), isNoMessage(api(10014))]).toEqual([true, false]);
    expect([isStoreFailure(api(10077)), isStoreFailure(api(10059))]).toEqual([true, false]);
    expect([isNameInUse(api(10058)), isNameInUse(api(10059)), isNameInUse(new Error('stream name already in use'))]).toEqual([true, false, false]);
  });
});

describe('a consumer that delivers nothing', () => {
  const info = (delivered: number, pending: number, ackPending = 0, acked = delivered - ackPending) =>
    ({ delivered: { consumer_seq: delivered, stream_seq: delivered }, ack_floor: { consumer_seq: acked, stream_seq: acked }, num_pending: pending, num_ack_pending: ackPending }) as ConsumerInfo;

  it('is stalled when two looks find messages waiting, none in flight and nothing more delivered', () => {
    const w = new StallWatch();
    expect(w.observe(info(0, 5))).toBe(false);
    expect(w.observe(info(0, 9))).toBe(true);
  });

  it('is not stalled while it delivers, holds messages in flight, or has nothing to deliver', () => {
    const w = new StallWatch();
    expect([w.observe(info(3, 5)), w.observe(info(4, 5)), w.observe(info(4, 5, 2)), w.observe(info(4, 0)), w.observe(info(4, 0))]).toEqual([false, false, false, false, false]);
  });

  it('by default is never stalled while messages are in flight, however long nothing moves', () => {
    const w = new StallWatch();
    expect([1, 2, 3, 4, 5, 6].map(() => w.observe(info(4, 5, 2)))).toEqual([false, false, false, false, false, false]);
  });

  it('with inFlightLooks, is stalled when messages are in flight and neither a delivery nor an ack moved over that many looks', () => {
    const w = new StallWatch(3);
    // Acks moving (the owner working through what it holds): not stalled.
    expect([w.observe(info(4, 5, 2, 2)), w.observe(info(4, 5, 1, 3)), w.observe(info(4, 5, 1, 3)), w.observe(info(4, 5, 1, 3))]).toEqual([false, false, false, false]);
    // The fourth look of the same figures is the third in a row with nothing moved: stalled, and the count starts over.
    expect([w.observe(info(4, 5, 1, 3)), w.observe(info(4, 5, 1, 3))]).toEqual([true, false]);
  });

  it('with inFlightLooks, a redelivery or an empty queue in between starts the count over', () => {
    const w = new StallWatch(2);
    expect([w.observe(info(4, 5, 2)), w.observe(info(4, 5, 2)), w.observe(info(5, 5, 2)), w.observe(info(5, 5, 2)), w.observe(info(5, 0, 2)), w.observe(info(5, 3, 2))]).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
