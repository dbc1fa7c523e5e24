import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { OperatorOverview, ScrapeTargetStatus } from '@tilemud/contracts';
import { z } from 'zod';
import type { GatewayConfig } from '../config';
import { DependencyMonitor } from '../system/dependency-monitor.service';
import { CONFIG } from '../tokens';
import type { Frame } from './derive';
import { buildOverview, deriveTick, type HealthView, type Tick } from './overview';
import { parsePrometheusText, type Scrape } from './prom-text';
import { resolveSelf, type ScrapeTarget } from './scrape-targets';

/** A scrape answer larger than this is refused: the page needs a few hundred lines. */
const MAX_SCRAPE_BYTES = 8 * 1024 * 1024;

/** Whatever shape the health service gives its causes in: names, or objects naming one. */
const CausesSchema = z.array(
  z.union([
    z
      .string()
      .min(1)
      .transform((cause) => ({ cause })),
    z.object({ cause: z.string().optional(), code: z.string().optional(), detail: z.string().optional(), message: z.string().optional(), since: z.string().optional() }).transform((c) => ({
      cause: c.cause ?? c.code ?? 'unknown',
      ...((c.detail ?? c.message) ? { detail: c.detail ?? c.message } : {}),
      ...(c.since ? { since: c.since } : {}),
    })),
  ]),
);

/**
 * Scrapes the configured Prometheus targets every OPS_SCRAPE_INTERVAL_MS while someone watches the
 * operator page (asked within OPS_WATCH_TIMEOUT_MS, a minute), and keeps OPS_HISTORY_S of derived figures. A
 * target that does not answer is reported down and its figures are null: never zeros.
 */
@Injectable()
export class OperatorFeed implements OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private lastWatchedAt = -Infinity;
  private lastRoundAt = -Infinity;
  private round: Promise<void> | null = null;
  private ticks: Tick[] = [];
  private readonly last = new Map<string, { scrape: Scrape; at: number }>();
  private readonly status = new Map<string, ScrapeTargetStatus>();
  private health: HealthView = { status: 'unavailable', dependencies: {} };

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly monitor: DependencyMonitor,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleDestroy(): void {
    this.stop();
  }

  async overview(): Promise<OperatorOverview> {
    this.lastWatchedAt = Date.now();
    this.startTimer();
    // The first look after a quiet spell waits for a fresh round rather than show stale figures;
    // while the timer runs, its rounds are fresh enough (a poll never doubles the scraping).
    if (Date.now() - this.lastRoundAt >= 2 * this.config.OPS_SCRAPE_INTERVAL_MS) await this.runRound();
    return buildOverview({
      now: Date.now(),
      intervalMs: this.config.OPS_SCRAPE_INTERVAL_MS,
      windowS: this.config.OPS_HISTORY_S,
      ticks: this.ticks,
      targets: this.config.OPS_SCRAPE_TARGETS.map((t) => this.status.get(t.name) ?? { name: t.name, url: this.url(t), up: false, error: 'not scraped yet', lastSuccessAt: null }),
      health: this.health,
    });
  }

  /** Whether the feed is scraping now (someone watched within the last minute). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWatchedAt > this.config.OPS_WATCH_TIMEOUT_MS) return this.stop();
      void this.runRound();
    }, this.config.OPS_SCRAPE_INTERVAL_MS);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round at a time: a slow target never piles rounds up. */
  private runRound(): Promise<void> {
    this.round ??= this.scrapeAll().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async scrapeAll(): Promise<void> {
    const started = Date.now();
    const [results, health] = await Promise.all([Promise.all(this.config.OPS_SCRAPE_TARGETS.map((t) => this.scrapeOne(t, started))), this.checkHealth()]);
    // The targets' status and the round's figures change together: an overview asked for while a
    // round is under way must not show a target down beside figures it gave in the round before.
    this.health = health;
    this.lastRoundAt = Date.now();
    this.ticks.push(
      deriveTick(
        this.lastRoundAt,
        results.map((r) => r.frame).filter((f): f is Frame => f !== null),
      ),
    );
    for (const r of results) this.status.set(r.status.name, r.status);
    const keep = Math.ceil((this.config.OPS_HISTORY_S * 1000) / this.config.OPS_SCRAPE_INTERVAL_MS) + 1;
    if (this.ticks.length > keep) this.ticks.splice(0, this.ticks.length - keep);
  }

  private async scrapeOne(target: ScrapeTarget, at: number): Promise<{ frame: Frame | null; status: ScrapeTargetStatus }> {
    const url = this.url(target);
    const before = this.last.get(target.name);
    try {
      const headers: Record<string, string> = { accept: 'text/plain' };
      // The gateway's own /metrics asks for METRICS_TOKEN when one is set (issue #12's gateway settings).
      const token = (this.config as { METRICS_TOKEN?: string }).METRICS_TOKEN;
      if (target.url === 'self' && token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(1500, this.config.OPS_SCRAPE_INTERVAL_MS)), headers });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_SCRAPE_BYTES) throw new Error(`answer larger than ${MAX_SCRAPE_BYTES} bytes`);
      const scrape = parsePrometheusText(text);
      this.last.set(target.name, { scrape, at });
      // A previous scrape from before a quiet spell would turn minutes into one "interval".
      const fresh = before && at - before.at <= 3 * this.config.OPS_SCRAPE_INTERVAL_MS ? before : null;
      return { frame: { now: scrape, prev: fresh?.scrape ?? null, dtS: fresh ? (at - fresh.at) / 1000 : 0 }, status: { name: target.name, url, up: true, lastSuccessAt: at } };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      const error = cause ?? (err instanceof Error ? (err.name === 'TimeoutError' ? 'timeout' : err.message) : String(err));
      this.last.delete(target.name);
      return { frame: null, status: { name: target.name, url, up: false, error, lastSuccessAt: this.status.get(target.name)?.lastSuccessAt ?? null } };
    }
  }

  private async checkHealth(): Promise<HealthView> {
    // The monitor's probe round (shared with its own timer's): dependencies, and causes where it names them.
    const h = await this.monitor.check();
    const causes = CausesSchema.safeParse((h as { causes?: unknown }).causes);
    return { status: h.status, dependencies: h.dependencies, ...(causes.success ? { causes: causes.data } : {}) };
  }

  private url(target: ScrapeTarget): string {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as { address?(): unknown } | undefined;
    const address = server?.address?.();
    return resolveSelf(target.url, typeof address === 'object' && address ? (address as { address: string; port: number }) : null, this.config.PORT);
  }
}
