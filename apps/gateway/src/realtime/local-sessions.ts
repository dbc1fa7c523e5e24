import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { CONFIG } from '../tokens';
import type { ClientSession } from './client-session';

/** Sessions grouped by their player; a player with none has no entry. */
class ByPlayer {
  private readonly sets = new Map<string, Set<ClientSession>>();

  add(s: ClientSession): void {
    const playerId = s.claims!.playerId;
    let set = this.sets.get(playerId);
    if (!set) this.sets.set(playerId, (set = new Set()));
    set.add(s);
  }

  delete(s: ClientSession): void {
    const playerId = s.claims?.playerId;
    const set = playerId ? this.sets.get(playerId) : undefined;
    if (!set) return;
    set.delete(s);
    if (!set.size) this.sets.delete(playerId!);
  }

  of(playerId: string): ClientSession[] {
    return [...(this.sets.get(playerId) ?? [])];
  }

  count(): number {
    let n = 0;
    for (const set of this.sets.values()) n += set.size;
    return n;
  }
}

/** The sockets this gateway holds, and by player: capacity, session ends and version checks go through here. */
@Injectable()
export class LocalSessions {
  private readonly all = new Map<string, ClientSession>();
  private readonly byPlayer = new ByPlayer();
  /** Sessions whose socket is gone but whose character waits out the resume window. */
  private readonly lingering = new ByPlayer();

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

  linger(s: ClientSession): void {
    this.lingering.add(s);
  }

  /** The character left, or was handed over: the session is gone for good. */
  unlinger(s: ClientSession): void {
    this.lingering.delete(s);
  }

  /** Sessions waiting out their resume window (socket gone, character still in its world). */
  get lingeringCount(): number {
    return this.lingering.count();
  }

  lingeringOf(playerId: string): ClientSession[] {
    return this.lingering.of(playerId);
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
