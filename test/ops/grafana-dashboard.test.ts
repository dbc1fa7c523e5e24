import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SERIES } from '../support/metric-names';
import { requireBinary } from '../support/promtool';

const ROOT = join(__dirname, '..', '..');
/** The parts of Grafana's dashboard model read here: each panel's title and queries. */
type Dashboard = { panels: Array<{ title: string; targets?: { expr: string }[] }> };
const dashboard = JSON.parse(readFileSync(join(ROOT, 'infra', 'grafana', 'tilemud.json'), 'utf8')) as Dashboard;
const ruleText = ['slo.yml', 'alerts.yml'].map((f) => readFileSync(join(ROOT, 'infra', 'prometheus', 'rules', f), 'utf8')).join('\n');
const recorded = new Set([...ruleText.matchAll(/record: (\S+)/g)].map((m) => m[1]));
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

// The project's metric and recorded-series names in a PromQL expression (label values removed first).
const names = (expr: string): string[] => [...expr.replace(/"[^"]*"/g, '""').matchAll(/\b((?:tilemud|nodejs)[a-z0-9_:]*)/g)].map((m) => m[1]!);

describe('infra/grafana/tilemud.json', () => {
  it('has the panels operators look at', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const t of [
      'sessions',
      'intents/s by outcome',
      'ack latency',
      'delta frames',
      'delta bytes',
      'availability',
      'burn',
      'projector lag',
      'consumer pending',
      'dependencies up',
      'event-loop delay',
      'health causes',
    ]) {
      expect({ t, present: titles.includes(t) }).toEqual({ t, present: true });
    }
  });

  it('queries only catalog metrics and recorded series', () => {
    const allowed = new Set([...ALL_SERIES, ...recorded]);
    const used = exprs.flatMap(names);
    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((n) => !allowed.has(n))).toEqual([]);
  });

  it('is valid PromQL (each query checked by promtool as a rule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tilemud-dash-'));
    try {
      const rules = exprs.map((e, i) => `      - record: dashboard:q${i}\n        expr: ${JSON.stringify(e.replace(/\$__rate_interval/g, '5m'))}`).join('\n');
      writeFileSync(join(dir, 'dash.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const r = spawnSync(requireBinary('promtool'), ['check', 'rules', join(dir, 'dash.yml')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${r.stdout}${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
