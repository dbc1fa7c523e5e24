import type { HealthResponse } from '@tilemud/contracts';
import { useEffect, useState } from 'react';
import type { Api } from '../api/endpoints';
import type { ConnectionView } from '../net/status';

/** The diagnostics overlay (F3 or `): connection, sequence and dependency health. */
export function Diagnostics({ view, api }: { view: ConnectionView; api: Api }) {
  const [health, setHealth] = useState<HealthResponse | string | null>(null);
  useEffect(() => {
    let stop = false;
    const load = () =>
      api.health().then(
        (h) => !stop && setHealth(h),
        (e: Error) => !stop && setHealth(e.message),
      );
    void load();
    const t = setInterval(load, 5000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [api]);

  const { game, diag, status } = view;
  const pending = game?.pending ?? [];
  const rows: [string, string][] = [
    ['status', status.kind + ('attempt' in status ? ` (attempt ${status.attempt})` : '')],
    ['RTT', diag.rttMs === null ? '–' : `${diag.rttMs} ms`],
    ['world', game?.worldId ?? '–'],
    ['last seq', game?.seq === null || !game ? '–' : String(game.seq)],
    ['intents in flight', `${pending.length} (${pending.filter((p) => p.appliedSeq === undefined).length} without ack)`],
    ['reconnect attempts', String(diag.reconnects)],
    ['session', game?.session ? `${game.session.sessionId.slice(0, 8)}${game.session.resumed ? ' (resumed)' : ''}` : '–'],
    ['deltas / full / gaps', game ? `${game.stats.deltasApplied} / ${game.stats.fullSnapshots} / ${game.stats.gaps}` : '–'],
    ['last close', diag.lastClose ? `${diag.lastClose.code} ${diag.lastClose.reason}` : '–'],
    ['invalid frames', diag.invalidFrames ? `${diag.invalidFrames}: ${diag.lastInvalid}` : '0'],
  ];
  if (typeof health === 'string') rows.push(['health', health]);
  else if (health) {
    rows.push(['health', `${health.status} (server ${health.serverVersion})`]);
    for (const [name, d] of Object.entries(health.dependencies)) rows.push([`  ${name}`, `${d.status} · ${d.latencyMs} ms`]);
  } else rows.push(['health', '…']);

  return (
    <aside className="diagnostics" data-testid="diagnostics" aria-label="Diagnostics">
      <h2>Diagnostics</h2>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} data-key={k.trim()}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">F3 or ` to close</p>
    </aside>
  );
}
