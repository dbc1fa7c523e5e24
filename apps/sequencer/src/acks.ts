import type { NatsConnection } from '@nats-io/transport-node';
import { ACKS_BATCHED, AckBatch, AckEnvelope, IntentEnvelope, IntervalStats, Topology } from '@tilemud/runtime';
import { ackFor, Outcome } from './intents';
import { recordOutcome } from './sequencer-metrics';

/** One intent's answer, before it is addressed. */
export interface Answer {
  env: IntentEnvelope;
  outcome: Outcome;
}

/** One message to one gateway's ack subject. */
export interface AckMessage {
  gatewayId: string;
  body: AckEnvelope | AckBatch;
}

/**
 * The messages that carry these answers: one per gateway when it reads batches, in the order the
 * answers were given (per gateway, which is the only order a gateway sees). A gateway any of whose
 * intents here did not ask for batches (an older gateway, or one upgraded under the same id in the
 * middle) gets one plain ack per message, as before batching. A lone answer always goes plain: every
 * gateway reads that shape, and it is the smaller. Hand-overs are answered to no one (`ackFor`).
 */
export function ackMessages(answers: readonly Answer[]): AckMessage[] {
  const byGateway = new Map<string, { acks: AckEnvelope[]; batched: boolean }>();
  for (const { env, outcome } of answers) {
    const out = ackFor(env, outcome);
    if (!out) continue;
    const batched = env.kind !== 'handover' && env.acks === ACKS_BATCHED;
    const g = byGateway.get(out.gatewayId);
    if (g) {
      g.acks.push(out.ack);
      g.batched &&= batched;
    } else {
      byGateway.set(out.gatewayId, { acks: [out.ack], batched });
    }
  }
  const messages: AckMessage[] = [];
  for (const [gatewayId, { acks, batched }] of byGateway) {
    if (batched && acks.length > 1) messages.push({ gatewayId, body: { acks } });
    else for (const ack of acks) messages.push({ gatewayId, body: ack });
  }
  return messages;
}

/**
 * Sends the sequencer's answers on NATS core. Called only once what they answer is settled: after
 * the group commit for a decision, or for a refusal once it is known nothing was appended.
 */
export class AckSender {
  constructor(
    private readonly nc: NatsConnection,
    private readonly t: Topology,
    private readonly stats: IntervalStats,
  ) {}

  /** The answers of one commit or refusal pass, as few messages as the gateways read (`ackMessages`). */
  send(answers: readonly Answer[]): void {
    for (const a of answers) recordOutcome(a.env, a.outcome);
    const messages = ackMessages(answers);
    for (const m of messages) this.nc.publish(this.t.ackSubject(m.gatewayId), JSON.stringify(m.body));
    this.stats.count('ackMessages', messages.length);
  }

  /** One answer on its own (an intent refused as it arrives, or alone). */
  one(env: IntentEnvelope, outcome: Outcome): void {
    this.send([{ env, outcome }]);
  }
}
