/** @jest-environment jsdom */
import { render, screen, waitFor, within } from '@testing-library/react';
import { HttpError } from '../../api/http';
import { EMPTY, OVERVIEW } from './fixture';
import { OpsPage } from './OpsPage';
import { OpsView } from './OpsView';
import { describeSeries, sparklinePaths } from './Sparkline';

const text = (id: string) => screen.getByTestId(id).textContent;

describe('OpsView', () => {
  it('shows the figures in tiles, each with a chart that has a text alternative', () => {
    render(<OpsView overview={OVERVIEW} now={OVERVIEW.generatedAt} />);
    expect(text('tile-sessions-value')).toBe('42');
    expect(text('tile-intents-value')).toBe('118.5');
    expect(text('tile-ack-value')).toBe('7.3 ms');
    expect(text('tile-availability-value')).toBe('99.31 %');
    expect(text('tile-burn-value')).toBe('1.38×');
    expect(screen.getByTestId('tile-burn-value').className).toContain('bad');
    const chart = within(screen.getByTestId('tile-intents')).getByRole('img');
    expect(chart.getAttribute('aria-label')).toBe('Intents per second over the last 8 s: now 118.5/s, lowest 100/s, highest 120/s');
    expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual(['Now, and the last 5 min', 'Projector lag', 'Health', 'Scrape targets']);
  });

  it('says honestly that the latency tile is the sequencer commit time when no delta histogram exists', () => {
    render(<OpsView overview={OVERVIEW} />);
    const tile = screen.getByTestId('tile-delta');
    expect(within(tile).getByRole('heading').textContent).toBe('Commit p95 (sequencer)');
    expect(tile.textContent).toMatch(/no delta-latency histogram/);
  });

  it('lists the worlds’ lag in a table with row headers, unknown as a dash', () => {
    render(<OpsView overview={OVERVIEW} />);
    const rows = within(screen.getByTestId('lag-table')).getAllByRole('row');
    expect(rows.map((r) => Array.from(r.children, (c) => c.textContent).slice(0, 2))).toEqual([
      ['World', 'Lag (events)'],
      ['meadow', '12'],
      ['caves', '—'],
    ]);
    expect(within(rows[1]!).getByRole('rowheader').textContent).toBe('meadow');
  });

  it('shows dependencies, health causes and the target that does not answer', () => {
    render(<OpsView overview={OVERVIEW} now={OVERVIEW.generatedAt} />);
    expect(text('health-status')).toBe('degraded');
    expect(
      within(screen.getByTestId('health-causes'))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['redis_down', 'projector_lagging — meadow is 12 events behind']);
    const redis = within(screen.getByTestId('dependencies')).getByRole('rowheader', { name: 'redis' }).closest('tr')!;
    expect(redis.textContent).toBe('redisdown1500 ms');
    expect(screen.getByRole('alert').textContent).toMatch(/Not answering: projector \(ECONNREFUSED\)/);
    expect(screen.getByText(/down: ECONNREFUSED/).textContent).toMatch(/last answered 6 s ago/);
  });

  it('shows unknown figures as dashes and charts with no data, never zeros', () => {
    render(<OpsView overview={EMPTY} />);
    for (const id of ['sessions', 'intents', 'ack', 'delta', 'availability', 'burn']) expect(text(`tile-${id}-value`)).toBe('—');
    expect(within(screen.getByTestId('tile-sessions')).getByRole('img').getAttribute('aria-label')).toBe('Sessions: no data yet');
    expect(screen.getByText(/No projector reports lag/)).toBeTruthy();
  });
});

describe('sparkline', () => {
  it('breaks the line where a value is unknown', () => {
    const { d } = sparklinePaths(OVERVIEW.intentsPerSecond.points, 100, 20);
    expect(d).toHaveLength(2);
    expect(d[0]).toMatch(/^M1\.0,[\d.]+$/);
    expect(d[1]!.split('L')).toHaveLength(3);
  });

  it('describes the window it covers', () => {
    const points = Array.from({ length: 151 }, (_, i) => [i * 2000, i] as [number, number]);
    expect(describeSeries(points, 'Sessions', String)).toBe('Sessions over the last 5 min: now 150, lowest 0, highest 150');
  });
});

describe('OpsPage', () => {
  it('polls and shows the newest figures', async () => {
    let calls = 0;
    const fetchOverview = async () => ({ ...OVERVIEW, sessions: { ...OVERVIEW.sessions, current: 40 + ++calls } });
    render(<OpsPage fetchOverview={fetchOverview} intervalMs={10} />);
    await waitFor(() => expect(Number(text('tile-sessions-value'))).toBeGreaterThanOrEqual(43), { timeout: 10_000 });
  });

  it('tells a player without the admin role, and stops asking', async () => {
    let calls = 0;
    const fetchOverview = async () => {
      calls++;
      throw new HttpError(403, { code: 'FORBIDDEN', category: 'forbidden', message: 'this needs the admin role', retryable: false });
    };
    render(<OpsPage fetchOverview={fetchOverview} intervalMs={10} />);
    expect((await screen.findByTestId('ops-forbidden', {}, { timeout: 10_000 })).textContent).toMatch(/does not have the admin role \(this needs the admin role\)/);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1);
  });

  it('keeps the last figures, marked stale, when the gateway stops answering', async () => {
    let fail = false;
    const fetchOverview = async () => {
      if (fail) throw new Error('the server cannot be reached');
      fail = true;
      return OVERVIEW;
    };
    render(<OpsPage fetchOverview={fetchOverview} intervalMs={10} />);
    await waitFor(() => expect(screen.getByTestId('ops-page').dataset.state).toBe('stale'), { timeout: 10_000 });
    expect(text('tile-sessions-value')).toBe('42');
    expect(screen.getAllByRole('alert').some((a) => /cannot be reached/.test(a.textContent ?? ''))).toBe(true);
  });
});
