import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { MinClientVersionRequestSchema, OperatorOverview, PROTOCOL_VERSION, VersionResponse } from '@tilemud/contracts';
import { parseBody } from '../errors/parse';
import { MinVersionService } from '../system/min-version.service';
import { SERVER_VERSION } from '../system/version';
import { AdminGuard } from './admin.guard';
import { OperatorFeed } from './operator-feed';

/** Operator endpoints, for players with the admin role (admin.guard.ts). */
@Controller('api/admin')
@UseGuards(AdminGuard)
export class AdminController {
  constructor(
    private readonly minVersion: MinVersionService,
    private readonly feed: OperatorFeed,
  ) {}

  /** Raises (or lowers, down to MIN_CLIENT_VERSION) the oldest accepted client, on every gateway. */
  @Post('min-client-version')
  @HttpCode(200)
  async setMinClientVersion(@Body() body: unknown): Promise<VersionResponse> {
    const { minClientVersion } = parseBody(MinClientVersionRequestSchema, body);
    const current = await this.minVersion.set(minClientVersion);
    return { serverVersion: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, minClientVersion: current };
  }

  /** The operator page's figures: current values and the last OPS_HISTORY_S of each series. */
  @Get('overview')
  async overview(): Promise<OperatorOverview> {
    return this.feed.overview();
  }
}
