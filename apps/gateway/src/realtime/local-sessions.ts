import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { CONFIG } from '../tokens';
import type { ClientSession } from './client-session';

/** Sessions grouped by their player; a player with none has no entry. */
class ByPlayer {
  private readonly sets = new Map<string, Set<ClientSession>>();

  add(s: ClientSession): void {
    const playerId = s.claims?.playerId;
    if (!playerId) return;
    let set = this.sets.get(playerId);
    if (!set) this.sets.set(playerId, (set = new Set()));
    set.add(s);
  }

  delete(s: ClientSession): void {
    const playerId = s.claims?.playerId;
    const set = playerId === undefined ? undefined : this.sets.get(playerId);
    if (!set || playerId === undefined) return;
    set.delete(s);
    if (!set.size) this.sets.delete(playerId);
  }

  of(playerId: string): ClientSession[] {
    return [...(this.sets.get(playerId) ?? [])];
  }
}

/**
 * The sockets this gateway holds, and by player: capacity, session ends and version checks go
 * through here. Characters whose socket is gone wait in ResumeWindow instead.
 */
@Injectable()
export class LocalSessions {
  private readonly all = new Map<string, ClientSession>();
  private readonly byPlayer = new ByPlayer();

  constructor(@Inject(CONFIG) private readonly config: GatewayConfig) {}

  get size(): number {
    return this.all.size;
  }

  /** No room for one more socket (MAX_SESSIONS). */
  get full(): boolean {
    return this.all.size >= this.config.MAX_SESSIONS;
  }

  add(s: ClientSession): void {
    this.all.set(s.id, s);
  }

  /** The session's ticket named its player. */
  bind(s: ClientSession): void {
    this.byPlayer.add(s);
  }

  remove(s: ClientSession): void {
    this.all.delete(s.id);
    this.byPlayer.delete(s);
  }

  ofPlayer(playerId: string): ClientSession[] {
    return this.byPlayer.of(playerId);
  }

  byId(sessionId: string): ClientSession | undefined {
    return this.all.get(sessionId);
  }

  list(): ClientSession[] {
    return [...this.all.values()];
  }
}
