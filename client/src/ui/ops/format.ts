/** How the operator page writes its figures; `null` (unknown) is always a dash, never 0. */

export const UNKNOWN = '—';

export function fmtNumber(v: number | null, digits = 1): string {
  if (v === null) return UNKNOWN;
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

export const fmtMs = (v: number | null) => (v === null ? UNKNOWN : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);

export const fmtPercent = (v: number | null, digits = 2) => (v === null ? UNKNOWN : `${(v * 100).toFixed(digits)} %`);

export const fmtBurn = (v: number | null) => (v === null ? UNKNOWN : `${v.toFixed(2)}×`);

export function fmtAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}
