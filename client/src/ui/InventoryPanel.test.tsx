/** @jest-environment jsdom */
import type { ActionPayload } from '@tilemud/contracts';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { InventoryPanel } from './InventoryPanel';
import { character } from '../test/fixtures';

describe('InventoryPanel', () => {
  const me = character('me', 2, 2, { inventory: [{ id: 'coin1', kind: 'coin' }] });
  const bob = character('bob', 3, 2, { name: 'Bob' });

  function setup(enabled = true) {
    const actions: ActionPayload[] = [];
    render(<InventoryPanel self={me} reachableItems={[{ id: 'apple1', kind: 'apple', x: 2, y: 3 }]} neighbours={[bob]} enabled={enabled} onAction={(a) => actions.push(a)} />);
    return actions;
  }

  it('picks up, drops, gives and emotes with the contract payloads', () => {
    const actions = setup();
    const ground = screen.getByTestId('ground-item');
    expect(ground.textContent).toContain('Apple');
    fireEvent.click(within(ground).getByText('Pick up'));
    const item = screen.getByTestId('inventory-item');
    expect(item.textContent).toContain('Gold coin');
    fireEvent.click(within(item).getByText('Drop'));
    fireEvent.click(within(item).getByText('Give to Bob'));
    fireEvent.click(screen.getByText('wave'));
    expect(actions).toEqual([
      { action: 'pickup', itemId: 'apple1' },
      { action: 'drop', itemId: 'coin1' },
      { action: 'give', itemId: 'coin1', toCharacterId: 'bob' },
      { action: 'emote', emote: 'wave' },
    ]);
  });

  it('disables every action while not live or while one is waiting', () => {
    setup(false);
    for (const b of screen.getAllByRole('button')) expect((b as HTMLButtonElement).disabled).toBe(true);
  });
});
