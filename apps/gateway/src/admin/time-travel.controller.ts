import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import type { AdminWorldsResponse, WorldEventsPage, WorldMap, WorldStateAt } from '@tilemud/contracts';
import { parseBody } from '../errors/parse';
import { AdminGuard } from './admin.guard';
import { EventsQuerySchema, StateQuerySchema } from './time-travel-query';
import { TimeTravelService } from './time-travel.service';

/** The operator page's worlds table and time travel (`/api/admin/worlds…`), for the admin role only. */
@Controller('api/admin/worlds')
@UseGuards(AdminGuard)
export class TimeTravelController {
  constructor(private readonly travel: TimeTravelService) {}

  /** Each world's log head, read-model lag and dead letters. */
  @Get()
  worlds(): Promise<AdminWorldsResponse> {
    return this.travel.worlds();
  }

  @Get(':worldId/map')
  map(@Param('worldId') worldId: string): Promise<WorldMap> {
    return this.travel.map(worldId);
  }

  /** The world as it stood at `?atSeq=N`. */
  @Get(':worldId/state')
  state(@Param('worldId') worldId: string, @Query() query: unknown): Promise<WorldStateAt> {
    const { atSeq } = parseBody(StateQuerySchema, query);
    return this.travel.stateAt(worldId, atSeq);
  }

  /** The logged events of `?from=A&to=B`, at most ADMIN_EVENTS_LIMIT. */
  @Get(':worldId/events')
  events(@Param('worldId') worldId: string, @Query() query: unknown): Promise<WorldEventsPage> {
    const { from, to } = parseBody(EventsQuerySchema, query);
    return this.travel.events(worldId, from, to);
  }
}
