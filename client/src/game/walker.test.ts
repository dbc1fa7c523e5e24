import type { Direction } from '@tilemud/contracts';
import { FakeClock } from '../test/fakes';
import type { Step } from './path';
import { HOLD_DELAY_MS, Walker, WALK_GIVE_UP } from './walker';

function setup(opts: { accept?: (d: Direction, at: number) => boolean; plan?: () => Step } = {}) {
  const clock = new FakeClock();
  const sent: Array<{ d: Direction; at: number }> = [];
  const ends: string[] = [];
  let live = true;
  let lastAt = -Infinity;
  const walker = new Walker({
    clock,
    // As Intents does: at most one move per 80 ms.
    send: (d) => {
      if (clock.now() - lastAt < 80 || !(opts.accept?.(d, clock.now()) ?? true)) return false;
      lastAt = clock.now();
      sent.push({ d, at: clock.now() });
      return true;
    },
    canMove: () => live,
    plan: opts.plan ?? (() => ({ kind: 'arrived' })),
    onWalkEnd: (o) => ends.push(o),
  });
  return { clock, sent, ends, walker, down: () => (live = false) };
}

describe('walker: keys, the pad and tap-to-move at the allowed rate', () => {
  it('queues presses 50 ms apart instead of dropping them, and sends each at the move rate', async () => {
    const t = setup();
    for (let i = 0; i < 15; i++) {
      t.walker.press(i % 2 ? 'east' : 'west');
      await t.clock.advance(50);
    }
    await t.clock.advance(2000);
    expect(t.sent).toHaveLength(15);
    expect(t.sent.map((s) => s.d)).toEqual(Array.from({ length: 15 }, (_, i) => (i % 2 ? 'east' : 'west')));
    for (let i = 1; i < 15; i++) expect(t.sent[i]!.at - t.sent[i - 1]!.at).toBeGreaterThanOrEqual(80);
  });

  it('retries a queued move the server side cannot take yet (too many in flight)', async () => {
    let open = false;
    const t = setup({ accept: () => open });
    t.walker.press('north');
    await t.clock.advance(300);
    expect(t.sent).toHaveLength(0);
    open = true;
    await t.clock.advance(100);
    expect(t.sent.map((s) => s.d)).toEqual(['north']);
  });

  it('a tap is one step; a held key repeats at the move rate until released', async () => {
    const t = setup();
    t.walker.hold('south');
    t.walker.release('south');
    await t.clock.advance(1000);
    expect(t.sent).toHaveLength(1);

    t.walker.hold('east');
    await t.clock.advance(HOLD_DELAY_MS + 800);
    t.walker.release('east');
    const n = t.sent.length - 1;
    expect(n).toBeGreaterThanOrEqual(9); // 1 at once, then ~10 over 800 ms
    expect(n).toBeLessThanOrEqual(12);
    await t.clock.advance(1000);
    expect(t.sent.length - 1).toBe(n);
  });

  it('walks to a tile step by step as planned, and says when it arrived', async () => {
    const plan: Step[] = [{ kind: 'step', direction: 'east' }, { kind: 'step', direction: 'south' }, { kind: 'arrived' }];
    let i = 0;
    const t = setup({ plan: () => plan[Math.min(i++, plan.length - 1)]! });
    t.walker.walkTo({ x: 3, y: 3 });
    await t.clock.advance(1000);
    expect(t.sent.map((s) => s.d)).toEqual(['east', 'south']);
    expect(t.ends).toEqual(['arrived']);
    expect(t.walker.walking).toBeNull();
  });

  it('gives a walk up when there is no way, or when its moves keep being refused', async () => {
    const t = setup({ plan: () => ({ kind: 'no_path' }) });
    t.walker.walkTo({ x: 9, y: 9 });
    expect(t.ends).toEqual(['no_path']);

    const u = setup({ plan: () => ({ kind: 'step', direction: 'west' }) });
    u.walker.walkTo({ x: 0, y: 0 });
    for (let k = 0; k < WALK_GIVE_UP; k++) u.walker.refused();
    expect(u.ends).toEqual(['no_path']);
    await u.clock.advance(500);
    expect(u.sent).toHaveLength(1);
  });

  it('a key press ends a walk; a lost connection drops what is queued', async () => {
    const t = setup({ plan: () => ({ kind: 'step', direction: 'west' }) });
    t.walker.walkTo({ x: 0, y: 0 });
    t.walker.press('north');
    expect(t.ends).toEqual(['cancelled']);
    t.down();
    t.walker.press('north');
    t.walker.press('north');
    await t.clock.advance(500);
    expect(t.sent.map((s) => s.d)).toEqual(['west']);
  });
});
