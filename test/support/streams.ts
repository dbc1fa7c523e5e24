import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { topology, Topology } from '@tilemud/runtime';

/** World seqs of every message an EVENTS stream (the run's by default) holds for a world, in stream order. */
export async function streamSeqs(nc: NatsConnection, worldId: string, t: Topology = topology(process.env.NATS_PREFIX!)): Promise<number[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(t.eventsStream);
  const seqs: number[] = [];
  for (let s = info.state.first_seq; s <= info.state.last_seq && info.state.messages > 0; s++) {
    const m = await jsm.streams.getMessage(t.eventsStream, { seq: s }).catch(() => null);
    if (m && m.subject === t.eventSubject(worldId)) seqs.push(m.json<{ seq: number }>().seq);
  }
  return seqs;
}
