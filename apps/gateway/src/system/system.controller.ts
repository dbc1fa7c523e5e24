import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PROTOCOL_VERSION, VersionResponse } from '@tilemud/contracts';
import { DependencyMonitor } from './dependency-monitor.service';
import { MinVersionService } from './min-version.service';
import { SERVER_VERSION } from './version';

@Controller('api')
export class SystemController {
  constructor(
    private readonly health: DependencyMonitor,
    private readonly minVersion: MinVersionService,
  ) {}

  @Get('health')
  async getHealth(@Res() res: Response): Promise<void> {
    const body = await this.health.current();
    res.status(body.status === 'unavailable' ? 503 : 200).json(body);
  }

  @Get('version')
  version(): VersionResponse {
    return { serverVersion: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, minClientVersion: this.minVersion.current };
  }
}
