import { IntentSeqCounter } from './intent-seq';
import { MemoryStorage } from '../test/fakes';

describe('intentSeq counter', () => {
  it('goes on from the stored value after a reload, per character', () => {
    const storage = new MemoryStorage();
    const a = new IntentSeqCounter('c1', storage, 5_000);
    expect([a.next(), a.next()]).toEqual([5_000, 5_001]);
    const reloaded = new IntentSeqCounter('c1', storage, 1); // even with a clock that went back
    expect(reloaded.next()).toBe(5_002);
    expect(new IntentSeqCounter('c2', storage, 7_000).next()).toBe(7_000);
  });

  it('starts a character new to this browser at the clock, above what another device used', () => {
    expect(new IntentSeqCounter('c1', new MemoryStorage(), 1_700_000_000_000).next()).toBe(1_700_000_000_000);
  });

  it('follows another tab of the same character', () => {
    const storage = new MemoryStorage();
    const tab1 = new IntentSeqCounter('c1', storage, 100);
    const tab2 = new IntentSeqCounter('c1', storage, 100);
    tab1.next();
    tab1.next();
    expect(tab2.next()).toBe(102);
  });

  it('works without storage', () => {
    const c = new IntentSeqCounter('c1', null, 10);
    expect([c.next(), c.next()]).toEqual([10, 11]);
  });
});
