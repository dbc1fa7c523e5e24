/** @jest-environment jsdom */
import { render, screen } from '@testing-library/react';
import { OnlineList } from './OnlineList';
import { character } from '../test/fixtures';

describe('OnlineList', () => {
  it('lists the player first and shows a player in the resume window as away', () => {
    const me = character('me', 1, 1, { name: 'Zed' });
    const ann = character('ann', 2, 2, { name: 'Ann', away: true });
    const bob = character('bob', 3, 3, { name: 'Bob' });
    render(<OnlineList characters={[ann, bob, me]} selfId="me" />);
    const entries = screen.getAllByTestId('online-entry');
    expect(entries.map((e) => e.dataset.name)).toEqual(['Zed', 'Ann', 'Bob']);
    expect(entries[1]!.dataset.away).toBe('true');
    expect(entries[1]!.textContent).toContain('(away)');
    expect(entries[2]!.dataset.away).toBeUndefined();
    expect(entries[2]!.textContent).not.toContain('away');
  });
});
