// @nats-io/transport-node and @nats-io/jetstream are pinned to 3.3.1: 3.4.0 pulls in
// @nats-io/nuid 3, which requires Node >= 22, and the project runs on Node 20, 22 and 24.
import { connect, NatsConnection } from '@nats-io/transport-node';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  // Reconnect forever: a NATS restart must be ridden out, never crash the process.
  // noAsyncTraces: every request (each JetStream publish is one) would otherwise capture a stack
  // trace up front; that measured 5% of the gateway's CPU at 500 intents/s.
  // NATS_URL may list a cluster's servers, comma separated (each checked by the config).
  return connect({ servers: url.split(',').map((s) => s.trim()), name, maxReconnectAttempts: -1, reconnectTimeWait: 250, waitOnFirstConnect: false, noAsyncTraces: true });
}
