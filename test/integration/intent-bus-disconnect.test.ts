// The gateway's intent bus over a NATS connection that is lost while a publish waits for
// JetStream's answer: the publish fails at once, so the session's next frames are answered
// (refused UNAVAILABLE while NATS is down) instead of waiting behind it for nats.js's own timeout.
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, createLogger, destroyTopology, ensureIntentsStream, topology } from '@tilemud/runtime';
import { jetstreamManager } from '@nats-io/jetstream';
import { IntentBus } from '../../apps/gateway/src/realtime/intent.bus';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/tcp-proxy';

describe('intent bus: a publish in flight when the NATS connection is lost', () => {
  const t = topology(`${process.env.NATS_PREFIX!}_bus`);
  const natsUrl = process.env.NATS_URL!.split(',')[0]!;
  const proxy = TcpProxy.for(natsUrl);
  let nc: NatsConnection;
  let admin: NatsConnection;
  let bus: IntentBus;

  beforeAll(async () => {
    await proxy.start();
    admin = await connectNats(process.env.NATS_URL!, 'intent-bus-test-admin');
    await ensureIntentsStream(await jetstreamManager(admin), t, 1);
    nc = await connectNats(proxy.rewrite(natsUrl), 'intent-bus-test');
    bus = new IntentBus(nc, t, 'gw-test', createLogger('test', 'silent'));
    bus.onModuleInit();
  });

  afterAll(async () => {
    bus?.onApplicationShutdown();
    await nc?.close();
    await proxy.close();
    if (admin) await destroyTopology(admin, t);
    await admin?.close();
  });

  const intent = (intentSeq: number) =>
    ({ kind: 'player', worldId: 'lobby', characterId: 'c-1', intentSeq, intent: { type: 'move', direction: 'north' }, gatewayId: 'gw-test', sessionId: 's-1', receivedAt: Date.now() }) as const;

  it('fails with the lost connection, not after nats.js times the request out; publishes again once NATS is back', async () => {
    await bus.publish(intent(1)); // through the proxy, answered
    proxy.swallow();
    const before = proxy.swallowed;
    const settled = bus.publish(intent(2)).then(
      () => 'stored',
      (err: Error) => err.message,
    );
    await eventually('the publish to leave the client (and be swallowed)', () => proxy.swallowed > before, 5000);
    proxy.cut();
    // nats.js alone would reject it only when its 5 s request timeout ran out, with "TIMEOUT".
    await expect(settled).resolves.toBe('the NATS connection was lost before JetStream answered the publish');
    proxy.restore();
    await eventually(
      'a publish to be stored again once the connection is back',
      () =>
        bus.publish(intent(3)).then(
          () => true,
          () => false,
        ),
      20_000,
    );
  }, 30_000);
});
