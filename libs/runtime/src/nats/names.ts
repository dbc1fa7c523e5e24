/**
 * Every subject, stream and consumer name of one deployment, derived from its prefix,
 * so a test run (or a second deployment) on the same NATS server never sees another's traffic.
 */
export interface Topology {
  prefix: string;
  intentsStream: string;
  eventsStream: string;
  intentSubject(worldId: string): string;
  eventSubject(worldId: string): string;
  deltaSubject(worldId: string): string;
  ackSubject(gatewayId: string): string;
  /** Operator and gateway broadcast (version raises, session ends) on every gateway. */
  controlSubject: string;
  sequencerConsumer: string;
  projectorConsumer: string;
  /** A world's own sequencer consumer (filtered on its intents): consumed by the member holding its lease. */
  sequencerConsumerOf(worldId: string): string;
  /** A world's own projector consumer (filtered on its events). */
  projectorConsumerOf(worldId: string): string;
}

export function topology(prefix: string): Topology {
  const upper = prefix.toUpperCase();
  return {
    prefix,
    intentsStream: `${upper}_INTENTS`,
    eventsStream: `${upper}_EVENTS`,
    intentSubject: (w) => `${prefix}.intents.${w}`,
    eventSubject: (w) => `${prefix}.events.${w}`,
    deltaSubject: (w) => `${prefix}.deltas.${w}`,
    ackSubject: (g) => `${prefix}.acks.${g}`,
    controlSubject: `${prefix}.control`,
    sequencerConsumer: `${upper}_SEQUENCER`,
    projectorConsumer: `${upper}_PROJECTOR`,
    sequencerConsumerOf: (w) => `${upper}_SEQUENCER_${w.toUpperCase()}`,
    projectorConsumerOf: (w) => `${upper}_PROJECTOR_${w.toUpperCase()}`,
  };
}
