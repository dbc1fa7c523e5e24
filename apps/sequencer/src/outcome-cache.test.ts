import { OutcomeCache } from './outcome-cache';

const applied = (seq: number) => ({ status: 'applied' as const, seq });

describe('OutcomeCache: recent outcomes for resends, bounded', () => {
  it('answers what it was given', () => {
    const c = new OutcomeCache(10);
    c.set('c1', 1, applied(5));
    expect(c.get('c1', 1)).toEqual(applied(5));
    expect(c.get('c1', 2)).toBeUndefined();
  });

  it('keeps at least the latest half of its capacity and never more than all of it', () => {
    const c = new OutcomeCache(10);
    for (let i = 1; i <= 1000; i++) {
      c.set('c1', i, applied(i));
      expect(c.size).toBeLessThanOrEqual(10);
    }
    for (let i = 996; i <= 1000; i++) expect(c.get('c1', i)).toEqual(applied(i));
    expect(c.get('c1', 1)).toBeUndefined();
  });

  it('a newer outcome of the same key wins over the old generation', () => {
    const c = new OutcomeCache(4);
    c.set('c1', 1, applied(1));
    c.set('c1', 2, applied(2)); // young full: it becomes the old generation
    c.set('c1', 1, applied(9));
    expect(c.get('c1', 1)).toEqual(applied(9));
  });

  it('forgets everything on clear', () => {
    const c = new OutcomeCache(4);
    c.set('c1', 1, applied(1));
    c.clear();
    expect(c.get('c1', 1)).toBeUndefined();
  });
});
