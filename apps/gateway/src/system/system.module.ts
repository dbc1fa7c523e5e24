import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { RelayModule } from '../realtime/relay.module';
import { DependencyMonitor } from './dependency-monitor.service';
import { HealthService } from './health.service';
import { MinVersionService } from './min-version.service';
import { OpsController } from './ops.controller';
import { SystemController } from './system.controller';

/**
 * Health, readiness, metrics and versions (`/api/health`, `/api/version`, `/healthz`, `/readyz`,
 * `/metrics`). Exports the dependency monitor (degraded notices, the operator page) and the
 * minimum client version (checked at bootstrap and hello, raised by an admin).
 */
@Module({
  imports: [ControlModule, RelayModule],
  controllers: [SystemController, OpsController],
  providers: [HealthService, DependencyMonitor, MinVersionService],
  exports: [DependencyMonitor, MinVersionService],
})
export class SystemModule {}
