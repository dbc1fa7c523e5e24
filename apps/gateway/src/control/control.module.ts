import { Module } from '@nestjs/common';
import { ControlService } from './control.service';

/** The control subject every gateway shares (session ends, minClientVersion changes). */
@Module({ providers: [ControlService], exports: [ControlService] })
export class ControlModule {}
