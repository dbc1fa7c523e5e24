import { JetStreamApiError, JetStreamManager } from '@nats-io/jetstream';
import type { ConsumerLoop, Logger, Topology } from '@tilemud/runtime';
import { topology } from '@tilemud/runtime';
import { ConsumerHeal } from './consumer-heal';

const notFound = (err_code: number) => new JetStreamApiError({ err_code, code: 404, description: 'not found' });

/** A NATS server in memory, as far as the heal looks at it: one stream, one world's consumer. */
function fakeServer(t: Topology) {
  const state = { stream: true, consumer: true };
  const info = { name: t.projectorConsumerOf('lobby'), num_pending: 5, num_ack_pending: 0, delivered: { consumer_seq: 0 } };
  const jsm = {
    streams: { info: async () => (state.stream ? { created: 'c1', config: { name: t.eventsStream } } : Promise.reject(notFound(10059))) },
    consumers: {
      info: async () => (!state.stream ? Promise.reject(notFound(10059)) : state.consumer ? info : Promise.reject(notFound(10014))),
      add: async () => void (state.consumer = true),
      update: async () => info,
      delete: async () => void (state.consumer = false),
    },
  } as unknown as JetStreamManager;
  return { state, jsm };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

describe('ConsumerHeal', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('consumes afresh once a consumer reported gone is back, even when someone else made it again', async () => {
    const t = topology('unit');
    const { state, jsm } = fakeServer(t);
    const restart = jest.fn(async () => undefined);
    const caughtUp = jest.fn(async () => undefined);
    const heal = new ConsumerHeal(jsm, t, 'lobby', () => ({ restart }) as unknown as ConsumerLoop, quiet, caughtUp);
    // The stream is deleted (the sequencer is stopped): the feed reports its consumer gone.
    state.stream = false;
    state.consumer = false;
    const reported = heal.run(true);
    await jest.advanceTimersByTimeAsync(1000);
    await reported;
    expect(restart).not.toHaveBeenCalled(); // nothing to consume yet
    // The sequencer starts again and makes the stream and the consumer before the next look.
    state.stream = true;
    state.consumer = true;
    await heal.run(false);
    expect(restart).toHaveBeenCalledTimes(1);
    // Its events published while the consumer was gone are caught up from the log before it consumes again.
    expect(caughtUp).toHaveBeenCalledTimes(1);
    // Owed once: a later look at a consumer that delivers does not restart again.
    await heal.run(false);
    expect(restart).toHaveBeenCalledTimes(1);
  });

  it('makes a missing consumer again (the world’s own, made new), catches the world up, and consumes afresh', async () => {
    const t = topology('unit');
    const { state, jsm } = fakeServer(t);
    const add = jest.spyOn(jsm.consumers, 'add');
    const restart = jest.fn(async () => undefined);
    const caughtUp = jest.fn(async () => undefined);
    const heal = new ConsumerHeal(jsm, t, 'lobby', () => ({ restart }) as unknown as ConsumerLoop, quiet, caughtUp);
    state.consumer = false; // deleted alone, while the stream stays: the periodic look finds it gone
    await heal.run(false);
    expect(add).toHaveBeenCalledWith(t.eventsStream, expect.objectContaining({ durable_name: t.projectorConsumerOf('lobby'), filter_subject: t.eventSubject('lobby') }));
    expect(caughtUp).toHaveBeenCalledTimes(1);
    expect(restart).toHaveBeenCalledTimes(1);
  });

  it('does nothing once closed (the world was given up)', async () => {
    const t = topology('unit');
    const { state, jsm } = fakeServer(t);
    const restart = jest.fn(async () => undefined);
    const heal = new ConsumerHeal(jsm, t, 'lobby', () => ({ restart }) as unknown as ConsumerLoop, quiet);
    heal.close();
    state.consumer = false;
    await heal.run(true);
    expect(state.consumer).toBe(false);
    expect(restart).not.toHaveBeenCalled();
  });
});
