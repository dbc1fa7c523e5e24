import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { CloseCode } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import type { ClientSession } from '../realtime/client-session';
import { IntentBus } from '../realtime/intent.bus';
import { leaveWorld } from '../realtime/world-entry';
import { CONFIG, GATEWAY_ID, LOGGER, REDIS } from '../tokens';
import { ResumeStore } from './resume.store';
import { SessionRegistry } from './session-registry';

interface Entry {
  characterId: string;
  sessionId: string;
  name: string;
}

/** How many missed heartbeats make an entry expire. */
const EXPIRE_AFTER = 3;

/**
 * Who is in each world, across gateways: a sorted set per world (`<prefix>:presence:<worldId>`)
 * of the sessions there, scored by their gateway's last heartbeat. Every PRESENCE_INTERVAL_MS
 * each gateway refreshes its own sessions (and their claim as their player's live session) and
 * drops entries 3 intervals plus the resume window old: those of a gateway that died without
 * saying goodbye, whose clients have had their window to resume elsewhere. For each
 * one it drops (ZREM decides which gateway does) it sends the world a leave for that session, so
 * the others see `character.left`; a leave naming a session the character has since replaced
 * changes nothing.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly prefix: string;
  private readonly tracked = new Map<ClientSession, { worldId: string; member: string } | null>();
  /** Sessions whose socket is gone but whose character stays for the resume window: still listed, no longer live. */
  private readonly lingering = new Set<ClientSession>();
  private timer?: NodeJS.Timeout;
  /** Heartbeats in a row that reached Redis; reaping waits for a few, so that after an outage
   *  every gateway has had its turn to refresh before anyone's entries count as stale. */
  private healthyTicks = 0;
  private ticking = false;
  private tickAgain = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GATEWAY_ID) private readonly gatewayId: string,
    private readonly registry: SessionRegistry,
    private readonly bus: IntentBus,
    private readonly resume: ResumeStore,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:presence:`;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.config.PRESENCE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * The session is its player's live one: keep its claim alive, and list it in its world once its
   * character is there, while the session lives.
   */
  track(s: ClientSession): void {
    if (!this.tracked.has(s)) this.tracked.set(s, null);
  }

  /** The character entered (or changed) its world: list it now rather than at the next beat. */
  entered(s: ClientSession): void {
    this.track(s);
    if (this.ticking) this.tickAgain = true; // the beat under way may have missed it
    else void this.tick();
  }

  /**
   * The socket is gone, the character stays until the resume window passes: its entry is kept
   * fresh, but the session no longer holds its player's claim (a resumed session takes it).
   */
  linger(s: ClientSession): void {
    if (this.tracked.has(s)) this.lingering.add(s);
  }

  /** A session that ended before its character was ever listed (a lingering one is listed at the next beat). */
  forget(s: ClientSession): void {
    if (this.tracked.get(s) === null && !this.lingering.has(s)) this.tracked.delete(s);
  }

  /** The session ended. Its entry goes once its leave is confirmed; otherwise it expires, and a reaper sends the leave again. */
  async untrack(s: ClientSession, leaveConfirmed: boolean): Promise<void> {
    const listed = this.tracked.get(s);
    this.tracked.delete(s);
    this.lingering.delete(s);
    if (listed && leaveConfirmed) await this.redis.zrem(this.key(listed.worldId), listed.member).catch(() => undefined);
  }

  private get expiryMs(): number {
    return EXPIRE_AFTER * this.config.PRESENCE_INTERVAL_MS + this.config.RESUME_WINDOW_MS;
  }

  private key(worldId: string): string {
    return this.prefix + worldId;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.heartbeat();
      this.healthyTicks++;
      if (this.healthyTicks > EXPIRE_AFTER) await this.reap();
    } catch (err) {
      if (this.healthyTicks > 0) this.logger.warn({ err: (err as Error).message }, 'presence: Redis unreachable');
      this.healthyTicks = 0;
    } finally {
      this.ticking = false;
      if (this.tickAgain) {
        this.tickAgain = false;
        void this.tick();
      }
    }
  }

  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const sessions = [...this.tracked.keys()].filter((s) => s.claims);
    const multi = this.redis.multi();
    for (const s of sessions) {
      if (!s.worldId) continue; // not in a world yet
      const claims = s.claims!;
      const member = JSON.stringify({ characterId: claims.characterId, sessionId: s.id, name: claims.username } satisfies Entry);
      const listed = this.tracked.get(s);
      if (listed && listed.worldId !== s.worldId) multi.zrem(this.key(listed.worldId), listed.member);
      multi.zadd(this.key(s.worldId!), now, member);
      multi.sadd(`${this.prefix}worlds`, s.worldId!);
      this.tracked.set(s, { worldId: s.worldId!, member });
    }
    await multi.exec();
    const live = sessions.filter((s) => !this.lingering.has(s));
    await this.resume.refresh(live.filter((s) => s.resumeToken && s.worldId).map((s) => ({ token: s.resumeToken!, rec: s.resumeRecord() })));
    // Each claim is refreshed on its own: one lost to a newer session ends this one, even if the
    // broadcast that should have ended it never came.
    const kept = await Promise.all(live.map((s) => this.registry.refresh(s.claims!.playerId, { sessionId: s.id, gatewayId: this.gatewayId })));
    live.forEach((s, i) => {
      if (!kept[i] && this.tracked.has(s) && !this.lingering.has(s)) s.terminate('replaced', CloseCode.REPLACED);
    });
  }

  private async reap(): Promise<void> {
    const before = Date.now() - this.expiryMs;
    for (const worldId of await this.redis.smembers(`${this.prefix}worlds`)) {
      for (const member of await this.redis.zrangebyscore(this.key(worldId), '-inf', before)) {
        if ((await this.redis.zrem(this.key(worldId), member)) !== 1) continue; // another gateway took it
        const e = JSON.parse(member) as Entry;
        this.logger.info({ worldId, characterId: e.characterId, sessionId: e.sessionId }, 'presence expired: leaving the world for a lost session');
        void leaveWorld(this.bus, { worldId, characterId: e.characterId, name: e.name, sessionId: e.sessionId }, 10_000).catch(async (err) => {
            // The world did not answer: list the entry as expired again, so that a later round retries.
            this.logger.warn({ err: (err as Error).message, characterId: e.characterId }, 'expired session leave not confirmed');
            await this.redis.zadd(this.key(worldId), 0, member).catch(() => undefined);
          });
      }
    }
  }
}
