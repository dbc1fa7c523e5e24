import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorCode, makeError, ReadinessResponse } from '@tilemud/contracts';
import { serveMetrics } from '@tilemud/runtime';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { GatewayConfig } from '../config';
import { CONFIG, METRICS_READER } from '../tokens';
import { DependencyMonitor } from './dependency-monitor.service';

/**
 * What orchestrators and Prometheus ask, outside `/api`: `/healthz` (the process serves: a
 * failing one is restarted), `/readyz` (it can serve players: a failing one gets no traffic) and
 * `/metrics` (Prometheus text; open unless METRICS_TOKEN is set, so keep it off the public network).
 */
@Controller()
export class OpsController {
  constructor(
    private readonly monitor: DependencyMonitor,
    @Inject(METRICS_READER) private readonly reader: PrometheusExporter,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('healthz')
  alive(): { status: 'alive' } {
    return { status: 'alive' };
  }

  @Get('readyz')
  async ready(@Res() res: Response): Promise<void> {
    const causes = await this.monitor.readiness();
    const body: ReadinessResponse = { status: causes.length ? 'not_ready' : 'ready', causes };
    res.status(causes.length ? 503 : 200).json(body);
  }

  @Get('metrics')
  metrics(@Req() req: Request, @Res() res: Response): void {
    if (this.config.METRICS_TOKEN && !bearerMatches(req.headers.authorization, this.config.METRICS_TOKEN)) {
      res.status(401).json({ error: makeError(ErrorCode.AUTH_INVALID_TOKEN, 'metrics need Authorization: Bearer <METRICS_TOKEN>') });
      return;
    }
    serveMetrics(this.reader, req, res);
  }
}

/** Pure: whether an Authorization header carries exactly `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
