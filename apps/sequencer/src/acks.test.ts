import type { IntentEnvelope } from '@tilemud/runtime';
import { ackMessages, Answer } from './acks';
import type { Outcome } from './intents';

const CHARACTER = '6f1c2a3e-8d4b-4b7a-9c1e-2f3a4b5c6d7e';
const applied = (seq: number): Outcome => ({ status: 'applied', seq });
const player = (gatewayId: string, intentSeq: number, batched = true): IntentEnvelope => ({
  kind: 'player',
  worldId: 'lobby',
  characterId: CHARACTER,
  intentSeq,
  intent: { type: 'move', direction: 'north' },
  gatewayId,
  sessionId: `s-${gatewayId}`,
  receivedAt: 1,
  ...(batched ? { acks: 'batch' as const } : {}),
});
const answer = (env: IntentEnvelope, seq = 1): Answer => ({ env, outcome: applied(seq) });

describe('ackMessages: the answers of one group commit, per gateway', () => {
  it('given answers to two gateways that read batches, one message each, answers in the order given', () => {
    const msgs = ackMessages([answer(player('gw-a', 1), 10), answer(player('gw-b', 1), 11), answer(player('gw-a', 2), 12), answer(player('gw-a', 3), 13), answer(player('gw-b', 2), 14)]);
    expect(msgs.map((m) => m.gatewayId)).toEqual(['gw-a', 'gw-b']);
    expect(msgs[0]!.body).toEqual({
      acks: [expect.objectContaining({ intentSeq: 1, seq: 10 }), expect.objectContaining({ intentSeq: 2, seq: 12 }), expect.objectContaining({ intentSeq: 3, seq: 13 })],
    });
    expect(msgs[1]!.body).toEqual({ acks: [expect.objectContaining({ intentSeq: 1, seq: 11 }), expect.objectContaining({ intentSeq: 2, seq: 14 })] });
  });

  it('a lone answer goes plain, the shape every gateway reads', () => {
    expect(ackMessages([answer(player('gw-a', 4), 9)])).toEqual([
      { gatewayId: 'gw-a', body: { sessionId: 's-gw-a', characterId: CHARACTER, worldId: 'lobby', intentSeq: 4, status: 'applied', seq: 9 } },
    ]);
  });

  it('a gateway from before batching gets one plain ack per message, in order, beside a batched one', () => {
    const msgs = ackMessages([answer(player('old', 1, false)), answer(player('new', 1)), answer(player('old', 2, false)), answer(player('new', 2))]);
    expect(msgs.map((m) => [m.gatewayId, 'acks' in m.body ? m.body.acks.length : (m.body as { intentSeq: number }).intentSeq])).toEqual([
      ['old', 1],
      ['old', 2],
      ['new', 2],
    ]);
  });

  it('one intent of a gateway without the flag (upgraded in the middle) keeps that gateway on plain acks', () => {
    const msgs = ackMessages([answer(player('gw', 1)), answer(player('gw', 2, false)), answer(player('gw', 3))]);
    expect(msgs.map((m) => m.body)).toEqual([expect.objectContaining({ intentSeq: 1 }), expect.objectContaining({ intentSeq: 2 }), expect.objectContaining({ intentSeq: 3 })]);
  });

  it('answers a system intent by requestId in the same batch, and nobody for a hand-over', () => {
    const system: IntentEnvelope = { kind: 'system', worldId: 'lobby', characterId: CHARACTER, op: 'enter', name: 'Ann', sessionId: 's-gw', requestId: 'r-1', gatewayId: 'gw', acks: 'batch' };
    const handover = { kind: 'handover', worldId: 'lobby', characterId: CHARACTER, handover: {} } as unknown as IntentEnvelope;
    const msgs = ackMessages([answer(system, 3), answer(handover), answer(player('gw', 1), 4)]);
    expect(msgs).toEqual([{ gatewayId: 'gw', body: { acks: [expect.objectContaining({ requestId: 'r-1', seq: 3 }), expect.objectContaining({ intentSeq: 1, seq: 4 })] } }]);
  });

  it('nothing to send for no answers', () => {
    expect(ackMessages([])).toEqual([]);
  });
});
