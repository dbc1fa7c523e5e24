import { ErrorBody, ErrorCode, makeError } from '@tilemud/contracts';
import type { IntentBus } from './intent.bus';

export type EnterResult = { ok: true; worldId: string; seq: number } | { ok: false; error: ErrorBody };

/**
 * Puts a session's character into its world. The world the read model names may be out of date
 * (a portal crossing in flight): the old world answers WORLD_MOVED with the new one, and the new
 * one answers CHARACTER_IN_TRANSIT until the hand-over has arrived; both are followed here.
 */
export async function enterWorld(bus: IntentBus, who: { characterId: string; name: string; sessionId: string; worldId: string; homeWorldId: string }, timeoutMs: number): Promise<EnterResult> {
  const deadline = Date.now() + timeoutMs;
  let worldId = who.worldId;
  for (let hops = 0; hops < 50; hops++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const ack = await bus.system({ kind: 'system', op: 'enter', worldId, characterId: who.characterId, name: who.name, sessionId: who.sessionId, home: worldId === who.homeWorldId }, left);
    if (ack.status === 'applied') return { ok: true, worldId, seq: ack.seq ?? 0 };
    const code = ack.error?.code;
    const to = ack.error?.details?.toWorldId;
    if (code === 'WORLD_MOVED' && typeof to === 'string') {
      worldId = to;
      continue;
    }
    if (code === 'CHARACTER_IN_TRANSIT') {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    return { ok: false, error: (ack.error as ErrorBody | undefined) ?? makeError(ErrorCode.UNAVAILABLE, 'could not enter the world') };
  }
  return { ok: false, error: makeError(ErrorCode.UNAVAILABLE, 'the world is not answering; try again shortly') };
}

/**
 * Takes a session's character out of its world: true once a world has answered. The world named
 * may be out of date (the character crossed a portal as its socket dropped): the old world
 * answers WORLD_MOVED, and the leave follows it.
 */
export async function leaveWorld(bus: IntentBus, who: { worldId: string; characterId: string; name: string; sessionId: string }, timeoutMs: number): Promise<void> {
  let worldId = who.worldId;
  for (let hops = 0; hops < 10; hops++) {
    const ack = await bus.system({ kind: 'system', op: 'leave', ...who, worldId }, timeoutMs);
    const to = ack.error?.details?.toWorldId;
    if (ack.status !== 'rejected' || ack.error?.code !== 'WORLD_MOVED' || typeof to !== 'string') return;
    worldId = to;
  }
}
