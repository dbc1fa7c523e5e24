import type { EventDegraded } from '@tilemud/contracts';

export type Dependency = EventDegraded['dependency'];
export type DepStatus = 'up' | 'down';
export type DepStates = Record<Dependency, DepStatus>;

export const DEPENDENCIES: readonly Dependency[] = ['postgres', 'redis', 'nats'];

/** What players are told of each dependency being down: what still works, what does not. */
const DOWN: Record<Dependency, { status: 'degraded' | 'unavailable'; message: string }> = {
  redis: { status: 'degraded', message: 'Redis is unreachable: play goes on; new sign-ins and resumes may fail until it is back.' },
  postgres: { status: 'unavailable', message: 'The event log (PostgreSQL) is unreachable: actions are refused until it is back; retry them then.' },
  nats: { status: 'unavailable', message: 'The message bus (NATS) is unreachable: actions are refused until it reconnects.' },
};
const UP: Record<Dependency, string> = {
  redis: 'Redis is back.',
  postgres: 'The event log (PostgreSQL) is back: actions are accepted again.',
  nats: 'The message bus (NATS) is back: actions are accepted again.',
};

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
