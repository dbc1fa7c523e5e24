import type { WorldEvent, WorldEventType } from './events';
import { WORLD_EVENT_TYPES } from './events';

/**
 * The schema version each event type is written with today. A change to an event's data that an
 * older reader could not take bumps its version here and adds the upcaster from the version before,
 * so that every event ever stored is read as today's shape (Greg Young's upcasting; Marten and
 * Emmett do the same). Versions are stored with each event (action_events.version).
 */
export const EVENT_VERSIONS: Readonly<Record<WorldEventType, number>> = {
  ...(Object.fromEntries(WORLD_EVENT_TYPES.map((t) => [t, 1])) as Record<WorldEventType, number>),
  // v2 records the direction the character faces after the move; v1 did not (it was drawn facing south).
  'character.moved': 2,
  // v2 names the channel; v1 had one channel only, the world's.
  'chat.posted': 2,
};

type Data = Record<string, unknown>;
/** Reads version n's data as version n + 1's. Pure; never sees an event of another type. */
type Upcaster = (data: Data) => Data;

const UPCASTERS: { readonly [T in WorldEventType]?: Readonly<Record<number, Upcaster>> } = {
  // Defaults under the data: an upcaster fills what the older shape lacked and keeps what it has.
  'character.moved': { 1: (d) => ({ facing: 'south', ...d }) },
  'chat.posted': { 1: (d) => ({ channel: 'world', ...d }) },
};

/** An event the build cannot read: an unknown type, or a version it has no way to read. */
export class EventVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventVersionError';
  }
}

export const currentVersion = (type: WorldEventType): number => EVENT_VERSIONS[type];

/**
 * A stored event as today's WorldEvent: its data carried up from `version` one step at a time.
 * A version newer than this build's is refused (a reader must not guess at a future shape).
 */
export function upcast(type: string, version: number, data: unknown): WorldEvent {
  const current = (EVENT_VERSIONS as Record<string, number | undefined>)[type];
  if (current === undefined) throw new EventVersionError(`unknown event type ${JSON.stringify(type)}`);
  if (!Number.isInteger(version) || version < 1) throw new EventVersionError(`event ${type} has no valid version (${String(version)})`);
  if (version > current) throw new EventVersionError(`event ${type} version ${version} is newer than this build reads (${current})`);
  let d = data as Data;
  for (let v = version; v < current; v++) {
    const up = UPCASTERS[type as WorldEventType]?.[v];
    if (!up) throw new EventVersionError(`event ${type}: no upcaster from version ${v}`);
    d = up(d);
  }
  return { type, data: d } as WorldEvent;
}
