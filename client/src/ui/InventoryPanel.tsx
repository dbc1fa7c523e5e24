import type { ActionPayload, Character, Item } from '@tilemud/contracts';
import { useState } from 'react';
import { EMOTES, itemName } from '../game/catalog';

interface Props {
  self: Character | undefined;
  reachableItems: readonly Item[];
  neighbours: readonly Character[];
  /** False while not live or while an action waits for its answer. */
  enabled: boolean;
  onAction: (payload: ActionPayload) => void;
}

/** Inventory, what lies within reach, giving to a neighbour, and emotes. */
export function InventoryPanel({ self, reachableItems, neighbours, enabled, onAction }: Props) {
  const [giveTo, setGiveTo] = useState('');
  const target = neighbours.find((c) => c.id === giveTo) ?? neighbours[0];
  const inventory = self?.inventory ?? [];
  return (
    <section className="panel inventory" aria-label="Inventory">
      <h2>Inventory ({inventory.length})</h2>
      {inventory.length === 0 ? <p className="hint">Empty. Walk next to an item (◆) to pick it up.</p> : null}
      <ul data-testid="inventory">
        {inventory.map((i) => (
          <li key={i.id} data-testid="inventory-item" data-item-id={i.id} data-kind={i.kind}>
            <span>{itemName(i.kind)}</span>
            <span className="actions">
              <button disabled={!enabled} onClick={() => onAction({ action: 'drop', itemId: i.id })}>
                Drop
              </button>
              <button
                disabled={!enabled || !target}
                title={target ? `Give to ${target.name}` : 'Stand next to someone to give'}
                data-testid="give"
                onClick={() => target && onAction({ action: 'give', itemId: i.id, toCharacterId: target.id })}
              >
                Give{target ? ` to ${target.name}` : ''}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {neighbours.length > 1 ? (
        <label className="give-to">
          Give to{' '}
          <select value={target?.id ?? ''} onChange={(e) => setGiveTo(e.target.value)}>
            {neighbours.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <h3>Within reach</h3>
      {reachableItems.length === 0 ? <p className="hint">Nothing here.</p> : null}
      <ul data-testid="ground">
        {reachableItems.map((i) => (
          <li key={i.id} data-testid="ground-item" data-item-id={i.id} data-kind={i.kind}>
            <span>{itemName(i.kind)}</span>
            <button disabled={!enabled} onClick={() => onAction({ action: 'pickup', itemId: i.id })}>
              Pick up
            </button>
          </li>
        ))}
      </ul>
      <h3>Emotes</h3>
      <div className="emotes">
        {EMOTES.map((e) => (
          <button key={e} disabled={!enabled} onClick={() => onAction({ action: 'emote', emote: e })}>
            {e}
          </button>
        ))}
      </div>
    </section>
  );
}
