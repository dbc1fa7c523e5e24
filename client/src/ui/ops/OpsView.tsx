import type { OperatorOverview, Series } from '@tilemud/contracts';
import { fmtAgo, fmtBurn, fmtMs, fmtNumber, fmtPercent, UNKNOWN } from './format';
import { Sparkline } from './Sparkline';

const DELTA_LABEL: Record<OperatorOverview['deltaP95Ms']['source'], { title: string; note: string }> = {
  delta: { title: 'Delta p95', note: 'event committed → delta sent' },
  sequencer_commit: { title: 'Commit p95 (sequencer)', note: 'no delta-latency histogram is served: this is the sequencer’s received → committed time, part of a delta’s way' },
  none: { title: 'Delta p95', note: 'no delta or commit histogram is served' },
};

function Tile(props: { id: string; title: string; value: string; note?: string; series: Series; format: (v: number | null) => string; reference?: number }) {
  return (
    <section className="tile" aria-labelledby={`tile-${props.id}-title`} data-testid={`tile-${props.id}`}>
      <h3 id={`tile-${props.id}-title`}>{props.title}</h3>
      <p className="value" data-testid={`tile-${props.id}-value`}>
        {props.value}
      </p>
      {props.note ? <p className="hint">{props.note}</p> : null}
      <Sparkline points={props.series.points} label={props.title} format={props.format} reference={props.reference} />
    </section>
  );
}

/** The operator page's figures, drawn from one overview answer. */
export function OpsView({ overview: o, now = Date.now() }: { overview: OperatorOverview; now?: number }) {
  const windowMin = Math.round(o.windowS / 60);
  const delta = DELTA_LABEL[o.deltaP95Ms.source];
  const down = o.targets.filter((t) => !t.up);
  return (
    <div className="ops-view">
      {down.length ? (
        <p className="ops-alert" role="alert" data-testid="targets-down">
          Not answering: {down.map((t) => `${t.name} (${t.error ?? 'no answer'})`).join(', ')}. Their figures are shown as {UNKNOWN}.
        </p>
      ) : null}
      <section aria-labelledby="ops-now">
        <h2 id="ops-now">Now, and the last {windowMin} min</h2>
        <div className="tiles">
          <Tile id="sessions" title="Sessions" value={fmtNumber(o.sessions.current, 0)} series={o.sessions} format={(v) => fmtNumber(v, 0)} />
          <Tile id="intents" title="Intents per second" value={fmtNumber(o.intentsPerSecond.current)} series={o.intentsPerSecond} format={(v) => `${fmtNumber(v)}/s`} />
          <Tile id="ack" title="Ack p95" value={fmtMs(o.ackP95Ms.current)} note="intent received → ack sent" series={o.ackP95Ms} format={fmtMs} />
          <Tile id="delta" title={delta.title} value={fmtMs(o.deltaP95Ms.current)} note={delta.note} series={o.deltaP95Ms} format={fmtMs} />
          <Tile
            id="availability"
            title={`Availability (${windowMin} min)`}
            value={fmtPercent(o.slo.availability)}
            note={`objective ${fmtPercent(o.slo.objective, 1)} · ${fmtNumber(o.slo.good, 0)} good of ${fmtNumber(o.slo.total, 0)}`}
            series={o.slo.history}
            format={(v) => fmtPercent(v)}
            reference={o.slo.objective}
          />
          <section className="tile" aria-labelledby="tile-burn-title" data-testid="tile-burn">
            <h3 id="tile-burn-title">Error budget burn ({windowMin} min)</h3>
            <p className={`value${o.slo.burn !== null && o.slo.burn > 1 ? ' bad' : ''}`} data-testid="tile-burn-value">
              {fmtBurn(o.slo.burn)}
            </p>
            <p className="hint">1× spends the budget exactly; above 1× it runs out before the SLO window ends</p>
          </section>
        </div>
      </section>

      <section aria-labelledby="ops-lag">
        <h2 id="ops-lag">Projector lag</h2>
        {o.projectorLag.length === 0 ? (
          <p className="hint">No projector reports lag{o.targets.some((t) => t.name === 'projector' && !t.up) ? ' (the projector target does not answer)' : ''}.</p>
        ) : (
          <table className="ops-table" data-testid="lag-table">
            <caption className="sr-only">Events each world’s read model is behind the log</caption>
            <thead>
              <tr>
                <th scope="col">World</th>
                <th scope="col">Lag (events)</th>
                <th scope="col">Last {windowMin} min</th>
              </tr>
            </thead>
            <tbody>
              {o.projectorLag.map((w) => (
                <tr key={w.world}>
                  <th scope="row">{w.world}</th>
                  <td>{fmtNumber(w.lagEvents.current, 0)}</td>
                  <td>
                    <Sparkline points={w.lagEvents.points} label={`Lag of ${w.world}`} format={(v) => `${fmtNumber(v, 0)} events`} width={120} height={24} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="ops-health">
        <h2 id="ops-health">Health</h2>
        <p>
          Status:{' '}
          <strong className={`health-${o.health.status}`} data-testid="health-status">
            {o.health.status}
          </strong>
        </p>
        {o.health.causes.length ? (
          <ul data-testid="health-causes">
            {o.health.causes.map((c) => (
              <li key={c.cause}>
                <code>{c.cause}</code>
                {c.detail ? ` — ${c.detail}` : null}
                {c.since ? <span className="hint"> (since {new Date(c.since).toLocaleTimeString()})</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="hint">No active causes.</p>
        )}
        <table className="ops-table" data-testid="dependencies">
          <caption>Dependencies</caption>
          <thead>
            <tr>
              <th scope="col">Dependency</th>
              <th scope="col">State</th>
              <th scope="col">Probe</th>
            </tr>
          </thead>
          <tbody>
            {o.dependencies.map((d) => (
              <tr key={d.dependency}>
                <th scope="row">{d.dependency}</th>
                <td className={d.up === null ? '' : d.up ? 'up' : 'down'}>{d.up === null ? 'unknown' : d.up ? 'up' : 'down'}</td>
                <td>{fmtMs(d.latencyMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="ops-targets">
        <h2 id="ops-targets">Scrape targets</h2>
        <ul className="targets">
          {o.targets.map((t) => (
            <li key={t.name} data-up={t.up}>
              <strong>{t.name}</strong> <code>{t.url}</code> — {t.up ? 'up' : `down: ${t.error ?? 'no answer'}`}
              {!t.up && t.lastSuccessAt !== null ? ` (last answered ${fmtAgo(now - t.lastSuccessAt)} ago)` : null}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
