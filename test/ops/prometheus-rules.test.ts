import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_SERIES } from '../support/metric-names';
import { requireBinary } from '../support/promtool';

const ROOT = join(__dirname, '..', '..');
const PROM = join(ROOT, 'infra', 'prometheus');

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(requireBinary('promtool'), args, { cwd: PROM, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const ruleFiles = readdirSync(join(PROM, 'rules'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join('rules', f));
const testFiles = readdirSync(join(PROM, 'tests'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join('tests', f));
const alertsText = readFileSync(join(PROM, 'rules', 'alerts.yml'), 'utf8');
const alertNames = [...alertsText.matchAll(/^\s*- alert: (\S+)/gm)].map((m) => m[1]!);

describe('infra/prometheus (promtool)', () => {
  it('accepts the scrape config and every rule file', () => {
    const config = promtool('check', 'config', 'prometheus.yml');
    expect(config.out).toContain('SUCCESS');
    expect(config.status).toBe(0);
    const rules = promtool('check', 'rules', ...ruleFiles);
    expect(rules.status).toBe(0);
  });

  it('passes the rule unit tests (every alert firing and not firing)', () => {
    const r = promtool('test', 'rules', ...testFiles);
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.out}`);
  }, 120_000);

  it('has a test that fires each alert and one where it stays quiet', () => {
    const tests = testFiles.map((f) => readFileSync(join(PROM, f), 'utf8')).join('\n');
    expect(alertNames.length).toBeGreaterThanOrEqual(10);
    for (const name of alertNames) {
      // A firing case lists the alert's runbook in exp_annotations; a quiet case expects [].
      expect({ name, fires: tests.includes(`#${name.toLowerCase()}`) }).toEqual({ name, fires: true });
      const quiet = new RegExp(`alertname: ${name}\\n\\s+eval_time: \\S+\\n\\s+exp_alerts: \\[\\]`);
      expect({ name, quiet: quiet.test(tests) }).toEqual({ name, quiet: true });
    }
  });

  it('gives every alert a severity, summary, description and a runbook section in docs/operations.md', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const anchors = new Set(
      [...docs.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 _-]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const blocks = alertsText.split(/^\s*- alert: /m).slice(1);
    expect(blocks).toHaveLength(alertNames.length);
    for (const block of blocks) {
      const name = block.split('\n')[0].trim();
      expect({ name, severity: /severity: (page|ticket)/.test(block) }).toEqual({ name, severity: true });
      expect({ name, summary: /summary: "/.test(block), description: /description: "/.test(block) }).toEqual({ name, summary: true, description: true });
      const runbook = /runbook_url: "docs\/operations\.md#([a-z0-9-]+)"/.exec(block)?.[1];
      expect({ name, runbook }).toEqual({ name, runbook: name.toLowerCase() });
      expect({ name, documented: anchors.has(runbook!) }).toEqual({ name, documented: true });
    }
  });

  it('reads only metrics of the catalog', () => {
    const rules = ruleFiles.map((f) => readFileSync(join(PROM, f), 'utf8')).join('\n');
    const used = [...rules.replace(/^\s*(summary|description): .*$/gm, '').matchAll(/\b((?:tilemud|nodejs)_[a-z0-9_]*)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(10);
    expect([...new Set(used)].filter((n) => !ALL_SERIES.includes(n))).toEqual([]);
  });

  it('keeps 30 days of data wherever Prometheus is started', () => {
    expect(readFileSync(join(PROM, 'run.sh'), 'utf8')).toContain('--storage.tsdb.retention.time="${PROMETHEUS_RETENTION:-30d}"');
    expect(readFileSync(join(ROOT, 'infra', 'docker-compose.yml'), 'utf8')).toContain('--storage.tsdb.retention.time=30d');
  });
});
