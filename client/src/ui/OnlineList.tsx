import type { Character } from '@tilemud/contracts';

/** Who is in this world, the player first. */
export function OnlineList({ characters, selfId }: { characters: readonly Character[]; selfId: string }) {
  const sorted = [...characters].sort((a, b) => Number(b.id === selfId) - Number(a.id === selfId) || a.name.localeCompare(b.name));
  return (
    <section className="panel online" aria-label="Who is online">
      <h2>Online ({characters.length})</h2>
      <ul data-testid="online">
        {sorted.map((c) => (
          <li key={c.id} className={c.id === selfId ? 'self' : undefined} data-testid="online-entry" data-character-id={c.id} data-name={c.name} data-x={c.x} data-y={c.y}>
            <span className="dot" /> <bdi>{c.name}</bdi>
            {c.id === selfId ? ' (you)' : ''} <span className="coords">{`${c.x}, ${c.y}`}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
