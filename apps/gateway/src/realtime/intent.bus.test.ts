import type { NatsConnection } from '@nats-io/transport-node';
import { AckEnvelope, createLogger, topology } from '@tilemud/runtime';
import { IntentBus } from './intent.bus';

/** A NATS connection that only takes the ack subscription, so a test can hand it messages. */
function fakeNats() {
  let deliver: ((err: Error | null, msg: { json: () => unknown }) => void) | undefined;
  let subject = '';
  const nc = {
    options: {}, // read by jetstream()
    status: () => (async function* () {})(), // no connection changes
    subscribe: (s: string, opts: { callback: typeof deliver }) => {
      subject = s;
      deliver = opts.callback;
      return { unsubscribe: () => undefined };
    },
  } as unknown as NatsConnection;
  const send = (body: unknown) => deliver!(null, { json: () => body });
  const sendRaw = (json: () => unknown) => deliver!(null, { json });
  return { nc, send, sendRaw, subject: () => subject };
}

const ack = (sessionId: string, intentSeq: number): AckEnvelope => ({ sessionId, characterId: 'c-1', worldId: 'lobby', intentSeq, status: 'applied', seq: intentSeq });

describe("IntentBus: the gateway's ack subject in a rolling upgrade", () => {
  const setup = () => {
    const nats = fakeNats();
    const bus = new IntentBus(nats.nc, topology('t'), 'gw-1', createLogger('test', 'silent'));
    bus.onModuleInit();
    const got: Array<[string, number | undefined]> = [];
    bus.register('s-1', (a) => got.push(['s-1', a.intentSeq]));
    bus.register('s-2', (a) => got.push(['s-2', a.intentSeq]));
    return { ...nats, bus, got };
  };

  it("listens on its own gateway's ack subject", () => {
    expect(setup().subject()).toBe(topology('t').ackSubject('gw-1'));
  });

  it('routes a plain ack (a sequencer from before batching) to its session', () => {
    const { send, got } = setup();
    send(ack('s-1', 1));
    expect(got).toEqual([['s-1', 1]]);
  });

  it("routes a batch's acks to their sessions in the batch's order", () => {
    const { send, got } = setup();
    send({ acks: [ack('s-2', 4), ack('s-1', 2), ack('s-2', 5)] });
    expect(got).toEqual([
      ['s-2', 4],
      ['s-1', 2],
      ['s-2', 5],
    ]);
  });

  it('drops what is not an ack (not JSON, a malformed answer in a batch) and keeps the rest', () => {
    const { send, sendRaw, got } = setup();
    sendRaw(() => {
      throw new Error('not JSON');
    });
    send({ acks: [{ sessionId: 's-1' }, ack('s-1', 3)] });
    expect(got).toEqual([['s-1', 3]]);
  });
});
