import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { CONFIG } from '../tokens';
import type { ClientSession } from './client-session';

/** The sockets this gateway holds, and by player: capacity, session ends and version checks go through here. */
@Injectable()
export class LocalSessions {
  private readonly all = new Map<string, ClientSession>();
  private readonly byPlayer = new Map<string, Set<ClientSession>>();
  /** Sessions whose socket is gone but whose character waits out the resume window, by player. */
  private readonly lingeringByPlayer = new Map<string, Set<ClientSession>>();

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
    const playerId = s.claims!.playerId;
    let set = this.byPlayer.get(playerId);
    if (!set) this.byPlayer.set(playerId, (set = new Set()));
    set.add(s);
  }

  remove(s: ClientSession): void {
    this.all.delete(s.id);
    const playerId = s.claims?.playerId;
    const set = playerId ? this.byPlayer.get(playerId) : undefined;
    if (!set) return;
    set.delete(s);
    if (!set.size) this.byPlayer.delete(playerId!);
  }

  linger(s: ClientSession): void {
    const playerId = s.claims!.playerId;
    let set = this.lingeringByPlayer.get(playerId);
    if (!set) this.lingeringByPlayer.set(playerId, (set = new Set()));
    set.add(s);
  }

  /** The character left, or was handed over: the session is gone for good. */
  unlinger(s: ClientSession): void {
    const playerId = s.claims?.playerId;
    const set = playerId ? this.lingeringByPlayer.get(playerId) : undefined;
    if (!set) return;
    set.delete(s);
    if (!set.size) this.lingeringByPlayer.delete(playerId!);
  }

  lingeringOf(playerId: string): ClientSession[] {
    return [...(this.lingeringByPlayer.get(playerId) ?? [])];
  }

  ofPlayer(playerId: string): ClientSession[] {
    return [...(this.byPlayer.get(playerId) ?? [])];
  }

  byId(sessionId: string): ClientSession | undefined {
    return this.all.get(sessionId);
  }

  list(): ClientSession[] {
    return [...this.all.values()];
  }
}
