import type { SeriesPoint } from '@tilemud/contracts';
import { UNKNOWN } from './format';

export interface SparklineProps {
  points: SeriesPoint[];
  /** What the chart shows, for its text alternative ("Intents per second"). */
  label: string;
  format: (v: number | null) => string;
  width?: number;
  height?: number;
  /** A level drawn as a dashed line (an objective or a threshold). */
  reference?: number;
}

/** Polylines broken where the value was unknown, so a gap shows as a gap and never as a drop to 0. */
export function sparklinePaths(points: SeriesPoint[], width: number, height: number, reference?: number): { d: string[]; y: (v: number) => number } {
  const known = points.filter((p): p is [number, number] => p[1] !== null);
  const values = known.map((p) => p[1]).concat(reference === undefined ? [] : [reference]);
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values, lo + 1e-9);
  const t0 = points[0]?.[0] ?? 0;
  const span = Math.max(1, (points[points.length - 1]?.[0] ?? 0) - t0);
  const x = (t: number) => ((t - t0) / span) * (width - 2) + 1;
  const y = (v: number) => height - 1 - ((v - lo) / (hi - lo)) * (height - 2);
  const d: string[] = [];
  let run: string[] = [];
  for (const [t, v] of points) {
    if (v === null) {
      if (run.length) d.push(run.join(' '));
      run = [];
      continue;
    }
    run.push(`${run.length ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`);
  }
  if (run.length) d.push(run.join(' '));
  return { d, y };
}

/** A summary a screen reader can read instead of the chart. */
export function describeSeries(points: SeriesPoint[], label: string, format: (v: number | null) => string): string {
  const known = points.map((p) => p[1]).filter((v): v is number => v !== null);
  if (known.length === 0) return `${label}: no data yet`;
  const spanS = Math.round((points[points.length - 1]![0] - points[0]![0]) / 1000);
  const last = points[points.length - 1]![1];
  const over = spanS <= 0 ? '' : spanS < 90 ? ` over the last ${spanS} s` : ` over the last ${Math.round(spanS / 60)} min`;
  return `${label}${over}: now ${last === null ? UNKNOWN : format(last)}, lowest ${format(Math.min(...known))}, highest ${format(Math.max(...known))}`;
}

/** A small hand-drawn SVG chart of one series; its text alternative is the summary above. */
export function Sparkline({ points, label, format, width = 160, height = 36, reference }: SparklineProps) {
  const { d, y } = sparklinePaths(points, width, height, reference);
  const text = describeSeries(points, label, format);
  return (
    <svg className="sparkline" role="img" aria-label={text} width={width} height={height} viewBox={`0 0 ${width} ${height}`} data-testid="sparkline">
      <title>{text}</title>
      {reference !== undefined ? <line className="reference" x1={0} x2={width} y1={y(reference)} y2={y(reference)} /> : null}
      {d.map((path, i) => (
        <path key={i} d={path} />
      ))}
    </svg>
  );
}
