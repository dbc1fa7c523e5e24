import { z } from 'zod';

/** A Prometheus endpoint the operator feed reads; `self` is this gateway's own /metrics. */
export interface ScrapeTarget {
  name: string;
  url: string;
}

export const DEFAULT_SCRAPE_TARGETS = 'gateway=self,sequencer=http://127.0.0.1:9464/metrics,projector=http://127.0.0.1:9465/metrics';

/** `name=url,name=url`, e.g. the default `gateway=self,sequencer=http://127.0.0.1:9464/metrics,…`. */
export const ScrapeTargetsSchema = z.string().transform((v, ctx): ScrapeTarget[] => {
  const targets: ScrapeTarget[] = [];
  for (const part of v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_-]{1,32})=(.+)$/.exec(part);
    const url = m?.[2]?.trim();
    if (!m || !url || (url !== 'self' && !/^https?:\/\/[^\s]+$/.test(url))) {
      ctx.addIssue({ code: 'custom', message: `expected name=http://host:port/metrics (or name=self), got "${part}"` });
      return z.NEVER;
    }
    if (targets.some((t) => t.name === m[1])) {
      ctx.addIssue({ code: 'custom', message: `target "${m[1]}" is named twice` });
      return z.NEVER;
    }
    targets.push({ name: m[1]!, url });
  }
  return targets;
});

/** Where `self` is: this gateway's HTTP server, over loopback when it listens on every address. */
export function resolveSelf(url: string, address: { address: string; port: number } | null, configuredPort: number): string {
  if (url !== 'self') return url;
  const port = address?.port ?? configuredPort;
  const host = !address || address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
}
