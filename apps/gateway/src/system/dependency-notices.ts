import type { EventDegraded } from '@tilemud/contracts';

export type Dependency = EventDegraded['dependency'];
type DepStatus = 'up' | 'down';
export type DepStates = Record<Dependency, DepStatus>;

export const DEPENDENCIES: readonly Dependency[] = ['postgres', 'redis', 'nats', 'sequencer', 'projector', 'events', 'intents'];

/** What players are told of each dependency being down: what still works, what does not. */
const DOWN: Record<Dependency, { status: 'degraded' | 'unavailable'; message: string }> = {
  redis: { status: 'degraded', message: 'Redis is unreachable: play goes on; new sign-ins and resumes may fail until it is back.' },
  postgres: { status: 'unavailable', message: 'The event log (PostgreSQL) is unreachable: actions are refused until it is back; retry them then.' },
  nats: { status: 'unavailable', message: 'The message bus (NATS) is unreachable: actions are refused until it reconnects.' },
  sequencer: { status: 'unavailable', message: 'The world server (sequencer) is not running: actions will not be answered until it is back.' },
  events: { status: 'unavailable', message: 'The event stream is missing: the world will not update until it is restored.' },
  intents: { status: 'unavailable', message: 'The intent stream is missing: actions cannot be queued until it is restored.' },
  projector: { status: 'degraded', message: 'The world view (projector) has stalled: play goes on, but joining or resyncing may show an older world.' },
};
const UP: Record<Dependency, string> = {
  redis: 'Redis is back.',
  postgres: 'The event log (PostgreSQL) is back: actions are accepted again.',
  nats: 'The message bus (NATS) is back: actions are accepted again.',
  sequencer: 'The world server is back: actions are answered again.',
  events: 'The event stream is back.',
  intents: 'The intent stream is back: actions are accepted again.',
  projector: 'The world view (projector) is moving again.',
};

/** Every dependency up. */
export const ALL_UP: DepStates = Object.fromEntries(DEPENDENCIES.map((d) => [d, 'up'])) as DepStates;

/** Pure: the notices a change of dependency health calls for, one per dependency that changed. */
export function transitions(prev: DepStates, next: DepStates): EventDegraded[] {
  return DEPENDENCIES.filter((d) => prev[d] !== next[d]).map((d) => (next[d] === 'down' ? notice(d) : { type: 'event.degraded', dependency: d, status: 'recovered', message: UP[d] }));
}

/** The notices a client connecting now gets: one per dependency that is down. */
export function currentNotices(states: DepStates): EventDegraded[] {
  return DEPENDENCIES.filter((d) => states[d] === 'down').map(notice);
}

function notice(d: Dependency): EventDegraded {
  return { type: 'event.degraded', dependency: d, ...DOWN[d] };
}
