import { decode } from './socket';

describe('decoding server frames', () => {
  it('parses a message with the contract schema', () => {
    expect(decode('{"type":"pong","ts":1,"serverTime":2}')).toEqual({ type: 'pong', ts: 1, serverTime: 2 });
  });

  it('says why a frame is not a valid message, without throwing', () => {
    expect(decode('not json')).toMatch(/invalid/);
    expect(decode('{"type":"event.future"}')).toBe('unknown message type event.future');
    expect(decode('{"type":"event.ack","intentSeq":1,"status":"applied"}')).toMatch(/invalid event.ack/);
  });

  it('reads a stale-intentSeq duplicate without originalStatus as a refusal', () => {
    const frame = { type: 'event.ack', intentSeq: 3, status: 'duplicate', error: { code: 'INTENT_SEQ_STALE', category: 'conflict', message: 'stale', retryable: false } };
    expect(decode(JSON.stringify(frame))).toEqual({ ...frame, originalStatus: 'rejected' });
  });
});
