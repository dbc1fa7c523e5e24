import { Outbox, sendState } from './outbox';

describe('sendState (the send budget)', () => {
  it('is ok under the slow-client mark, backed up from it, over budget only beyond the budget', () => {
    expect(sendState(0, 256, 1024)).toBe('ok');
    expect(sendState(255, 256, 1024)).toBe('ok');
    expect(sendState(256, 256, 1024)).toBe('backed_up');
    expect(sendState(1024, 256, 1024)).toBe('backed_up');
    expect(sendState(1025, 256, 1024)).toBe('over_budget');
  });
});

describe('Outbox', () => {
  function outbox(budget = 1000) {
    const sent: unknown[] = [];
    const over: number[] = [];
    const ws = { isOpen: true, bufferedAmount: 0, send: (data: string) => ((ws.bufferedAmount += data.length), sent.push(JSON.parse(data))) };
    const box = new Outbox(ws, 100, budget, (q) => over.push(q));
    return { box, ws, sent, over };
  }

  it('writes while within the budget, even when backed up (replies are not merged like deltas)', () => {
    const { box, ws, sent, over } = outbox();
    ws.bufferedAmount = 500;
    expect(box.state).toBe('backed_up');
    expect(box.send({ type: 'pong', ts: 1 })).toBe(true);
    expect(sent).toEqual([{ type: 'pong', ts: 1 }]);
    expect(over).toEqual([]);
  });

  it('lets the write that crosses the budget through, refuses the next and reports it once', () => {
    const { box, ws, sent, over } = outbox(1000);
    ws.bufferedAmount = 990;
    expect(box.send({ type: 'event.state_delta', pad: 'x'.repeat(100) })).toBe(true);
    expect(box.send({ type: 'pong', ts: 2 })).toBe(false);
    expect(box.send({ type: 'pong', ts: 3 })).toBe(false);
    expect(sent).toHaveLength(1);
    expect(over).toEqual([ws.bufferedAmount]);
  });

  it('writes nothing to a socket that is not open', () => {
    const { box, ws, sent } = outbox();
    ws.isOpen = false;
    expect(box.send({ type: 'pong', ts: 1 })).toBe(false);
    expect(sent).toEqual([]);
  });
});
