import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PROTOCOL_VERSION, VersionResponse } from '@tilemud/contracts';
import type { GatewayConfig } from '../config';
import { CONFIG } from '../tokens';
import { HealthService } from './health.service';
import { SERVER_VERSION } from './version';

@Controller('api')
export class SystemController {
  constructor(
    private readonly health: HealthService,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('health')
  async getHealth(@Res() res: Response): Promise<void> {
    const body = await this.health.check();
    res.status(body.status === 'unavailable' ? 503 : 200).json(body);
  }

  @Get('version')
  version(): VersionResponse {
    return { serverVersion: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, minClientVersion: this.config.MIN_CLIENT_VERSION };
  }
}
