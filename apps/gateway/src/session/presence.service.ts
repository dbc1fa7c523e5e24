import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { CloseCode } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { IntentBus } from '../realtime/intent.bus';
import { leaveWorld } from '../realtime/world-entry';
import { CONFIG, GATEWAY_ID, LOGGER, REDIS } from '../tokens';
import { sendAway, sendBack } from './presence-commands';
import { decodeEntry, encodeEntry, lingerDeadline, liveDeadline, liveGraceMs, MISSED_BEATS_AWAY, missedBeats, PresenceEntry, PresenceTiming } from './presence-timing';
import type { PresenceSession } from './presence-session';
import { ResumeRecord, ResumeStore } from './resume.store';
import { ResumeWindow } from './resume-window';
import { SessionRegistry } from './session-registry';

/** Beats in a row that reached Redis before this gateway reaps: after an outage (or at start)
 *  every live gateway has had time to re-date its entries before any counts as lost. */
const REAP_AFTER_HEALTHY = 3;
const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Who is in each world, across gateways: a sorted set per world (`<prefix>:presence:<worldId>`)
 * of the sessions there, each scored by its deadline (presence-timing.ts). Every
 * PRESENCE_INTERVAL_MS each gateway re-dates its live sessions (and their claim as their player's
 * live session); a lingering session keeps the deadline its socket's drop gave it. Any gateway
 * reaps entries past their deadline (ZREM decides which one) and sends the world a leave for each,
 * so the others see `character.left`; it wakes for the earliest deadline rather than waiting for
 * its next beat. Entries of a gateway that missed two beats (dead, its sockets gone with it) are
 * marked away in the world meanwhile, as a lingering session's own gateway marks its character.
 * A leave or away naming a session the character has since replaced changes nothing.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly prefix: string;
  private readonly timing: PresenceTiming;
  private readonly tracked = new Map<PresenceSession, { worldId: string; member: string } | null>();
  private timer?: NodeJS.Timeout;
  private reapTimer?: NodeJS.Timeout;
  private healthyTicks = 0;
  private ticking = false;
  private tickAgain = false;
  private readonly due = new Set<PresenceSession>(); // what the next beat lists (their tokens and claims refreshed)
  private reaping = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GATEWAY_ID) private readonly gatewayId: string,
    private readonly registry: SessionRegistry,
    private readonly bus: IntentBus,
    private readonly resume: ResumeStore,
    /** Which sessions linger, and since when (their entries are dated from it, and shown away). */
    private readonly window: ResumeWindow,
  ) {
    this.prefix = `${config.REDIS_PREFIX ?? config.NATS_PREFIX}:presence:`;
    this.timing = { intervalMs: config.PRESENCE_INTERVAL_MS, resumeWindowMs: config.RESUME_WINDOW_MS };
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.beatNow(this.tracked.keys()), this.config.PRESENCE_INTERVAL_MS);
    this.timer.unref();
    void this.tick(); // a gateway started after a crash reaps its predecessor's entries an interval sooner
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.reapTimer) clearTimeout(this.reapTimer);
  }

  /** The session is its player's live one: keep its claim alive, and list it in its world once its character is there. */
  track(s: PresenceSession): void {
    if (!this.tracked.has(s)) this.tracked.set(s, null);
  }

  /** The character entered (or changed) its world: list it now rather than at the next beat. */
  entered(s: PresenceSession): void {
    this.track(s);
    this.beatNow([s]);
  }

  /**
   * The socket is gone, the character stays until the resume window passes: it is shown away, its
   * entry gets the window's deadline now, and the session no longer holds its player's claim.
   */
  linger(s: PresenceSession): void {
    if (!this.tracked.has(s)) return;
    const claims = s.claims;
    if (claims && s.worldId) {
      const who = { worldId: s.worldId, characterId: claims.characterId, name: claims.username, sessionId: s.id };
      void (async () => {
        if (s.switching) await s.switching; // a crossing under way: the away belongs to the world it lands in
        await sendAway(this.bus, { ...who, worldId: s.worldId ?? who.worldId }, COMMAND_TIMEOUT_MS);
      })().catch((err) => this.logger.warn({ err: (err as Error).message, sessionId: s.id }, 'away not confirmed'));
    }
    this.beatNow([s]);
  }

  /** A session that ended before its character was ever listed (a lingering one is listed at the next beat). */
  forget(s: PresenceSession): void {
    if (this.tracked.get(s) === null && !this.lingers(s)) this.tracked.delete(s);
  }

  /** The session ended. Its entry goes once its leave is confirmed; otherwise it lapses, and a reaper sends the leave again. */
  async untrack(s: PresenceSession, leaveConfirmed: boolean): Promise<void> {
    const listed = this.tracked.get(s);
    this.tracked.delete(s);
    if (listed && leaveConfirmed) await this.redis.zrem(this.key(listed.worldId), listed.member).catch(() => undefined);
  }

  private lingers(s: PresenceSession): boolean {
    return this.window.since(s.id) !== undefined;
  }

  private key(worldId: string): string {
    return this.prefix + worldId;
  }

  /** Beats for these sessions now: a join or a linger only its own (not everyone's: N joins cost N² commands), the interval all. */
  private beatNow(sessions: Iterable<PresenceSession>): void {
    for (const s of sessions) this.due.add(s);
    if (this.ticking)
      this.tickAgain = true; // the beat under way may have missed them
    else void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const due = [...this.due].filter((s) => this.tracked.has(s));
    this.due.clear();
    try {
      await this.heartbeat(due);
      this.healthyTicks++;
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
    await this.reap();
  }

  private async heartbeat(sessions: PresenceSession[]): Promise<void> {
    const now = Date.now();
    const multi = this.redis.multi();
    let queued = 0;
    /** Live sessions already listed as they are, and the index of their ZADD: 1 (added, not updated)
     *  means a reaper took the entry away meanwhile (this gateway's beats were late, not stopped). */
    const checks: Array<{ s: PresenceSession; at: number }> = [];
    for (const s of sessions) {
      if (!s.worldId || !s.claims) continue; // not in a world yet
      const since = this.window.since(s.id);
      const entry: PresenceEntry = { characterId: s.claims.characterId, sessionId: s.id, name: s.claims.username };
      const member = encodeEntry(since === undefined ? entry : { ...entry, away: true });
      const listed = this.tracked.get(s);
      const same = listed?.worldId === s.worldId && listed.member === member;
      if (listed && !same) {
        multi.zrem(this.key(listed.worldId), listed.member);
        queued++;
      }
      if (since === undefined) {
        multi.zrem(this.key(s.worldId), encodeEntry({ ...entry, away: true }));
        queued++;
      }
      if (since === undefined && same) checks.push({ s, at: queued });
      multi.zadd(this.key(s.worldId), since === undefined ? liveDeadline(now, this.timing) : lingerDeadline(since, this.timing), member);
      multi.sadd(`${this.prefix}worlds`, s.worldId);
      queued += 2;
      this.tracked.set(s, { worldId: s.worldId, member });
    }
    const results = await multi.exec();
    for (const { s, at } of checks) {
      if (results?.[at]?.[1] !== 1 || this.lingers(s) || !this.tracked.has(s) || !s.worldId || !s.claims) continue;
      const who = { worldId: s.worldId, characterId: s.claims.characterId, name: s.claims.username, sessionId: s.id };
      this.logger.warn({ sessionId: s.id }, 'presence: a live session was taken for lost (late beats); entering its character again');
      void sendBack(this.bus, who, COMMAND_TIMEOUT_MS).catch(() => undefined);
    }
    const live = sessions.filter((s) => !this.lingers(s));
    await this.resume.refresh(live.flatMap((s) => (s.resumeToken && s.worldId ? tokenOf(s.resumeToken, s.resumeRecord()) : [])));
    // Each claim is refreshed on its own: one lost to a newer session ends this one, even if the
    // broadcast that should have ended it never came.
    const claims = live.flatMap((s) => (s.claims ? [{ s, playerId: s.claims.playerId }] : []));
    const kept = await Promise.all(claims.map(({ s, playerId }) => this.registry.refresh(playerId, { sessionId: s.id, gatewayId: this.gatewayId })));
    claims.forEach(({ s }, i) => {
      if (!kept[i] && this.tracked.has(s) && !this.lingers(s)) s.terminate('replaced', CloseCode.REPLACED);
    });
  }

  /** Leaves for entries past their deadline, aways for those of a gateway gone quiet; then waits for the next deadline. */
  private async reap(): Promise<void> {
    if (this.reaping || this.healthyTicks < REAP_AFTER_HEALTHY) return;
    this.reaping = true;
    let next = Infinity;
    try {
      const now = Date.now();
      const quietBefore = now + liveGraceMs(this.timing) - MISSED_BEATS_AWAY * this.timing.intervalMs;
      for (const worldId of await this.redis.smembers(`${this.prefix}worlds`)) {
        const key = this.key(worldId);
        for (const member of await this.redis.zrangebyscore(key, '-inf', now)) await this.expire(worldId, member);
        const quiet = await this.redis.zrangebyscore(key, `(${now}`, quietBefore, 'WITHSCORES');
        for (let i = 0; i < quiet.length; i += 2) await this.markAway(worldId, quiet[i]!, Number(quiet[i + 1]));
        const first = await this.redis.zrange(key, 0, 0, 'WITHSCORES');
        if (first[1] !== undefined) next = Math.min(next, Number(first[1]));
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'presence: reaping failed; the next beat tries again');
    } finally {
      this.reaping = false;
    }
    if (this.reapTimer) clearTimeout(this.reapTimer);
    if (next !== Infinity) {
      this.reapTimer = setTimeout(() => void this.reap(), Math.max(0, next - Date.now()) + 5);
      this.reapTimer.unref();
    }
  }

  /** The entry's deadline passed: whoever removes it sends the leave. */
  private async expire(worldId: string, member: string): Promise<void> {
    if ((await this.redis.zrem(this.key(worldId), member)) !== 1) return; // another gateway took it
    const e = decodeEntry(member);
    if (!e) return void this.logger.warn({ worldId }, 'presence: unreadable entry dropped');
    this.logger.info({ worldId, characterId: e.characterId, sessionId: e.sessionId }, 'presence expired: leaving the world for a lost session');
    const who = { worldId, characterId: e.characterId, name: e.name, sessionId: e.sessionId };
    void leaveWorld(this.bus, who, COMMAND_TIMEOUT_MS).catch(async (err) => {
      // The world did not answer: list the entry as expired again, so that a later round retries.
      this.logger.warn({ err: (err as Error).message, characterId: e.characterId }, 'expired session leave not confirmed');
      await this.redis.zadd(this.key(worldId), 0, member).catch(() => undefined);
    });
  }

  /** A live entry whose gateway has missed its beats: its players' sockets are gone, show them away. */
  private async markAway(worldId: string, member: string, deadline: number): Promise<void> {
    const e = decodeEntry(member);
    if (!e || e.away || !missedBeats(deadline, Date.now(), this.timing)) return;
    // This gateway is alive (it is reaping): its own sessions' beats are only late.
    for (const s of this.tracked.keys()) if (s.id === e.sessionId) return;
    if ((await this.redis.zrem(this.key(worldId), member)) !== 1) return; // re-dated meanwhile, or another gateway took it
    await this.redis.zadd(this.key(worldId), deadline, encodeEntry({ ...e, away: true }));
    this.logger.info({ worldId, characterId: e.characterId, sessionId: e.sessionId }, 'presence: gateway quiet, its session shown away');
    const who = { worldId, characterId: e.characterId, name: e.name, sessionId: e.sessionId };
    void sendAway(this.bus, who, COMMAND_TIMEOUT_MS).catch((err) => this.logger.warn({ err: (err as Error).message }, 'away not confirmed'));
  }
}

const tokenOf = (token: string, rec: ResumeRecord | undefined) => (rec ? [{ token, rec }] : []);
