import type { IntentBus } from '../realtime/intent.bus';

type Who = { worldId: string; characterId: string; name: string; sessionId: string };

/**
 * Tells the world the session's socket is gone: its character is shown away (the world ignores it
 * from a session that no longer holds the character). Follows a portal crossing as a leave does.
 */
export async function sendAway(bus: IntentBus, who: Who, timeoutMs: number): Promise<void> {
  let worldId = who.worldId;
  for (let hops = 0; hops < 10; hops++) {
    const ack = await bus.system({ kind: 'system', op: 'away', ...who, worldId }, timeoutMs);
    const to = ack.error?.details?.toWorldId;
    if (ack.status !== 'rejected' || ack.error?.code !== 'WORLD_MOVED' || typeof to !== 'string') return;
    worldId = to;
  }
}

/**
 * The session is live after all (its gateway was only slow, and was taken for dead): entering
 * again with the same session brings an away character back, puts one that was made to leave
 * back in, and changes nothing else.
 */
export async function sendBack(bus: IntentBus, who: Who, timeoutMs: number): Promise<void> {
  await bus.system({ kind: 'system', op: 'enter', ...who, home: false }, timeoutMs);
}
