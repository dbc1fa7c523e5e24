/**
 * A small reader of the Prometheus text format (0.0.4): what the operator feed needs from a
 * scrape, and nothing more. Pure: text in, samples out; a malformed line is skipped and counted,
 * so one odd line from an exporter never hides the rest of a scrape.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** The sample's own name: `…_bucket`, `…_sum`, `…_count` for a histogram's series. */
  name: string;
  labels: Labels;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** `# TYPE` lines: metric family name → counter | gauge | histogram | summary | untyped. */
  types: Map<string, string>;
  /** Lines that could not be read. */
  skipped: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      continue;
    }
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
    else skipped++;
  }
  return { samples, types, skipped };
}

function parseSampleLine(line: string): Sample | null {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (!parsed) return null;
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  // Value, then an optional timestamp we do not need.
  const [valueText] = rest.trim().split(/\s+/);
  const value = parseValue(valueText ?? '');
  return value === null ? null : { name, labels, value };
}

/** `{a="x",b="y\"z"}` → labels and the number of characters read (braces included). */
function parseLabels(s: string): { labels: Record<string, string>; length: number } | null {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') return { labels, length: i + 1 };
    const key = LABEL_NAME.exec(s.slice(i))?.[0];
    if (!key) return null;
    i += key.length;
    while (s[i] === ' ') i++;
    if (s[i] !== '=' || s[i + 1] !== '"') return null;
    i += 2;
    let value = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) return null;
      if (c === '"') break;
      if (c === '\\') {
        const next = s[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[key] = value;
    i++;
  }
}

function parseValue(t: string): number | null {
  if (t === '+Inf' || t === 'Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  if (t === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  return Number(t);
}

/** Whether a sample's labels include every pair of `match`. */
export function labelsMatch(labels: Labels, match: Labels = {}): boolean {
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  return true;
}
