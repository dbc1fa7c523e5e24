import type { Character } from '@tilemud/contracts';

/**
 * Who is in this world, the player first; a player whose connection dropped (resume window) shows as away.
 * With an area of interest (`viewRadius` > 0) the client holds only those within it: the list says so.
 */
export function OnlineList({ characters, selfId, viewRadius = 0 }: { characters: readonly Character[]; selfId: string; viewRadius?: number }) {
  const sorted = [...characters].sort((a, b) => Number(b.id === selfId) - Number(a.id === selfId) || a.name.localeCompare(b.name));
  return (
    <section className="panel online" aria-label="Who is online">
      <h2>{viewRadius > 0 ? `In view, ${viewRadius} tiles (${characters.length})` : `Online (${characters.length})`}</h2>
      <ul data-testid="online">
        {sorted.map((c) => (
          <li
            key={c.id}
            className={[c.id === selfId ? 'self' : '', c.away ? 'away' : ''].filter(Boolean).join(' ') || undefined}
            data-testid="online-entry"
            data-character-id={c.id}
            data-name={c.name}
            data-x={c.x}
            data-y={c.y}
            data-away={c.away ? 'true' : undefined}
          >
            <span className="dot" aria-hidden="true" /> <bdi>{c.name}</bdi>
            {c.id === selfId ? ' (you)' : ''}
            {c.away ? <span className="away-label"> (away)</span> : null} <span className="coords">{`${c.x}, ${c.y}`}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
