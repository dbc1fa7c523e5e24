import { DEFAULT_RESTART_POLICY, nextRestart, RestartPolicy, RestartState } from './restart-policy';

const policy: RestartPolicy = { initialMs: 500, maxMs: 8000, factor: 2, healthyAfterMs: 60_000 };

/** The waits before each restart of an app that dies `ranMs` after each start. */
function waits(runs: number[], p = policy): number[] {
  let state: RestartState = { failures: 0 };
  return runs.map((ranMs) => {
    const d = nextRestart(state, ranMs, p);
    state = d.state;
    return d.delayMs;
  });
}

describe('restart policy', () => {
  it('backs off exponentially while the app keeps dying soon after starting, up to the cap', () => {
    expect(waits([1000, 1000, 1000, 1000, 1000, 1000, 1000])).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('starts over after a healthy run', () => {
    expect(waits([1000, 1000, 1000, 60_000, 1000])).toEqual([500, 1000, 2000, 500, 1000]);
  });

  it('says which attempt it is and when it started over', () => {
    const first = nextRestart({ failures: 0 }, 10, policy);
    expect(first).toMatchObject({ attempt: 1, reset: false, state: { failures: 1 } });
    const third = nextRestart({ failures: 2 }, 10, policy);
    expect(third).toMatchObject({ attempt: 3, delayMs: 2000 });
    expect(nextRestart({ failures: 4 }, 120_000, policy)).toMatchObject({ attempt: 1, reset: true, delayMs: 500 });
    expect(nextRestart({ failures: 0 }, 120_000, policy)).toMatchObject({ reset: false });
  });

  it('has sane defaults: a first restart within a second, never more than a minute apart', () => {
    expect(DEFAULT_RESTART_POLICY.initialMs).toBeLessThanOrEqual(1000);
    expect(DEFAULT_RESTART_POLICY.maxMs).toBeLessThanOrEqual(60_000);
    expect(waits(Array<number>(20).fill(0), DEFAULT_RESTART_POLICY).every((w) => w <= DEFAULT_RESTART_POLICY.maxMs)).toBe(true);
  });
});
