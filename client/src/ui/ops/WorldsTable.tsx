import type { AdminWorldsResponse } from '@tilemud/contracts';
import { fmtNumber } from './format';

/** Each world's log head, how far the read model is behind it, and the dead letters it has parked. */
export function WorldsTable({ worlds }: { worlds: AdminWorldsResponse }) {
  return (
    <table className="ops-table" data-testid="worlds-table">
      <caption>The log and the read model, per world{worlds.unattributedDeadLetters ? ` · ${worlds.unattributedDeadLetters} dead letters name no world` : ''}</caption>
      <thead>
        <tr>
          <th scope="col">World</th>
          <th scope="col">Head seq</th>
          <th scope="col">Projected seq</th>
          <th scope="col">Lag (events)</th>
          <th scope="col">Dead letters</th>
        </tr>
      </thead>
      <tbody>
        {worlds.worlds.map((w) => (
          <tr key={w.id} data-world={w.id}>
            <th scope="row">{w.id}</th>
            <td>{fmtNumber(w.head, 0)}</td>
            <td>{fmtNumber(w.projectedSeq, 0)}</td>
            <td className={w.lagEvents > 0 ? 'warn' : undefined}>{fmtNumber(w.lagEvents, 0)}</td>
            <td className={w.deadLetters > 0 ? 'down' : undefined}>{fmtNumber(w.deadLetters, 0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
