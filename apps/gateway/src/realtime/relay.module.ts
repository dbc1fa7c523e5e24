import { Module } from '@nestjs/common';
import { FanoutService } from './fanout.service';
import { IntentBus } from './intent.bus';
import { LocalSessions } from './local-sessions';

/**
 * The part of the realtime side others consult, below every feature module: the sockets this
 * gateway holds (LocalSessions: capacity, a player's sockets, broadcasts), intents out to the
 * sequencer and their acks back (IntentBus), deltas in from the projector (FanoutService).
 * The socket server itself is RealtimeModule, at the top.
 */
@Module({ providers: [LocalSessions, IntentBus, FanoutService], exports: [LocalSessions, IntentBus, FanoutService] })
export class RelayModule {}
