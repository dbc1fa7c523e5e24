/** @jest-environment jsdom */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { HttpError } from '../../api/http';
import { OVERVIEW } from './fixture';
import { OpsPage } from './OpsPage';
import { TimeTravel } from './TimeTravel';
import { describeEvent } from './travel-format';
import { fakeTravel, LOG } from './travel-fixture';

// jsdom has no canvas: the drawing is skipped, the words beside it are what is checked here.
beforeAll(() => {
  jest.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

/** A machine shared by many test runs can be slow: wait on conditions, generously. */
const SLOW = { timeout: 5000 };
const positions = () =>
  within(screen.getByTestId('travel-characters'))
    .getAllByRole('listitem')
    .map((li) => [li.dataset.characterId, Number(li.dataset.x), Number(li.dataset.y)]);
const shownSeq = () => Number(screen.getByTestId('travel-view').dataset.seq);
const slider = () => screen.getByRole<HTMLInputElement>('slider', { name: /Seq/ });

describe('TimeTravel', () => {
  it('lists each world’s head seq, projected seq, lag and dead letters', async () => {
    render(<TimeTravel api={fakeTravel().api} />);
    const table = await screen.findByTestId('worlds-table', {}, SLOW);
    expect(
      within(table)
        .getAllByRole('row')
        .map((r) => Array.from(r.children, (c) => c.textContent)),
    ).toEqual([
      ['World', 'Head seq', 'Projected seq', 'Lag (events)', 'Dead letters'],
      ['lobby', '6', '4', '2', '1'],
      ['meadow', '0', '0', '0', '0'],
    ]);
  });

  it('opens the first world with events at its head: the map, who stood where, and the events before it with the seq marked', async () => {
    render(<TimeTravel api={fakeTravel().api} debounceMs={0} />);
    await waitFor(() => expect(shownSeq()).toBe(6), SLOW);
    expect(positions()).toEqual([
      ['ada', 3, 1],
      ['bo', 4, 1],
    ]);
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Map of Lobby at seq 6: 2 characters, 1 items');
    expect(slider()).toMatchObject({ min: '1', max: '6', value: '6' });
    expect(slider().getAttribute('aria-valuetext')).toBe('seq 6 of 6');
    const events = within(screen.getByTestId('travel-events')).getAllByRole('listitem');
    expect(events.map((li) => li.dataset.seq)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(events.filter((li) => li.getAttribute('aria-current') === 'true').map((li) => li.dataset.seq)).toEqual(['6']);
    expect(events[5]!.textContent).toBe('#6 character.moved Ada → 3, 1');
    expect(within(screen.getByTestId('travel-items')).getByRole('listitem').textContent).toBe('gem at 3, 2');
  });

  it('asks only for the seq the slider rests on, and shows the world as it stood there', async () => {
    const { api, asked } = fakeTravel();
    render(<TimeTravel api={api} debounceMs={40} />);
    await waitFor(() => expect(shownSeq()).toBe(6), SLOW);
    asked.length = 0;
    for (const v of [5, 4, 3, 2]) fireEvent.change(slider(), { target: { value: String(v) } });
    expect(screen.getByTestId('travel-seq-value').textContent).toBe('2 / 6');
    await waitFor(() => expect(shownSeq()).toBe(2), SLOW);
    expect(asked).toEqual(['state lobby 2', 'events lobby 1..12']);
    expect(positions()).toEqual([['ada', 0, 1]]);
    expect(screen.getByTestId('travel-view').textContent).toMatch(/Folded from the start of the log/);
  });

  it('moves to an event chosen in the list', async () => {
    render(<TimeTravel api={fakeTravel().api} debounceMs={0} />);
    await waitFor(() => expect(shownSeq()).toBe(6), SLOW);
    fireEvent.click(within(screen.getByTestId('travel-events')).getByText(/#4/));
    await waitFor(() => expect(shownSeq()).toBe(4), SLOW);
    expect(slider().value).toBe('4');
    expect(positions()).toEqual([
      ['ada', 1, 1],
      ['bo', 4, 1],
    ]);
    expect(screen.getByTestId('travel-view').textContent).toMatch(/Folded from the stored snapshot at seq 4/);
  });

  it('says when a world has no events yet', async () => {
    render(<TimeTravel api={fakeTravel().api} debounceMs={0} />);
    await waitFor(() => expect(shownSeq()).toBe(6), SLOW);
    fireEvent.change(screen.getByTestId('travel-world'), { target: { value: 'meadow' } });
    expect(await screen.findByText('No events are logged in this world yet.', {}, SLOW)).toBeTruthy();
    expect(screen.queryByRole('slider')).toBeNull();
  });

  it('says why the world at a seq cannot be shown', async () => {
    const { api } = fakeTravel({
      stateAt: async () => {
        throw new HttpError(400, { code: 'VALIDATION_FAILED', category: 'validation', message: 'atSeq: world lobby has 6 events', retryable: false });
      },
    });
    render(<TimeTravel api={api} debounceMs={0} />);
    expect((await screen.findByRole('alert', {}, SLOW)).textContent).toBe('The world at seq 6 cannot be loaded: atSeq: world lobby has 6 events.');
  });
});

describe('OpsPage with time travel', () => {
  it('shows the worlds and time travel under the figures to an admin, and never asks for them for a player without the role', async () => {
    const { api, asked } = fakeTravel();
    const { unmount } = render(<OpsPage fetchOverview={async () => OVERVIEW} travel={api} intervalMs={200} />);
    await waitFor(() => expect(shownSeq()).toBe(6), { timeout: 5000 });
    expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toContain('Worlds and time travel');
    unmount();
    asked.length = 0;
    const forbidden = async () => {
      throw new HttpError(403, { code: 'FORBIDDEN', category: 'forbidden', message: 'this needs the admin role', retryable: false });
    };
    render(<OpsPage fetchOverview={forbidden} travel={api} intervalMs={50} />);
    await screen.findByTestId('ops-forbidden', {}, SLOW);
    expect(screen.queryByTestId('time-travel')).toBeNull();
    expect(asked).toEqual([]);
  });
});

describe('describeEvent', () => {
  it('says who did what in a line', () => {
    expect(LOG.map((e) => describeEvent(e))).toEqual(['1 items placed', 'Ada → 0, 1', 'Bo → 4, 1', 'ada → 1, 1', 'ada → 2, 1', 'ada → 3, 1']);
    expect(describeEvent(LOG[3]!, new Map([['ada', 'Ada']]))).toBe('Ada → 1, 1');
  });
});
