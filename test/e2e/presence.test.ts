import type { Client } from 'pg';
import type { SnapshotResponse } from '@tilemud/contracts';
import { api, changesOf, joinPlayer, shows, TestClient } from '../support/client';
import { db } from '../support/db';
import { eventually, sleep } from '../support/eventually';
import { TestSystem } from '../support/system';
import { ExtraGateway } from './identity-helpers';

const WINDOW_MS = 4000;
const INTERVAL_MS = 800;
/** What a busy machine adds to a leave: the reaper's wake-up, the sequencer's round trip, the delta out. */
const SLACK_MS = 1500;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

/**
 * Presence that is right: a character whose session ended leaves within the resume window plus
 * one presence interval, whatever became of its gateway; meanwhile the others see it away. And
 * chat loses its bidirectional controls before it is stored.
 */
describe('presence across gateway crashes, away, and bidi controls', () => {
  const env = { RESUME_WINDOW_MS: String(WINDOW_MS), PRESENCE_INTERVAL_MS: String(INTERVAL_MS), HEARTBEAT_INTERVAL_MS: '1000' };
  const system = new TestSystem(env);
  const doomed = new ExtraGateway(env);
  let observer: TestClient;
  let pg: Client;
  const leftAt = async (characterId: string): Promise<number | undefined> => {
    const { rows } = await pg.query<{ at: Date }>(`SELECT recorded_at AS at FROM action_events WHERE type = 'character.left' AND payload->>'characterId' = $1`, [characterId]);
    return rows[0]?.at.getTime();
  };
  const waitLeft = (characterId: string, timeoutMs = 30_000): Promise<number> => eventually(`${characterId} to leave (character.left in the log)`, () => leftAt(characterId), timeoutMs);
  const snapshotCharacter = async (c: TestClient, id: string) => {
    const r = await api<SnapshotResponse>(system.baseUrl, 'GET', `/api/worlds/${c.handshake!.worldId}/snapshot`, { token: c.guest!.accessToken });
    return r.body.characters.find((x) => x.id === id);
  };

  beforeAll(async () => {
    await system.start();
    await doomed.start();
    pg = await db();
    observer = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await observer?.close();
    await doomed.app.stop();
    await system.stop();
    await pg?.end();
  });

  it('shows a player in the resume window as away, back when it resumes, and never as leaving', async () => {
    const c = await joinPlayer(system);
    await observer.waitFor(shows(c.characterId, 'character.joined'));
    const from = observer.received.length;
    c.drop();
    await observer.waitFor(shows(c.characterId, 'character.presence', 'away'), 10_000, from);
    expect(await snapshotCharacter(observer, c.characterId)).toMatchObject({ id: c.characterId, away: true });
    await c.resume();
    await observer.waitFor(shows(c.characterId, 'character.presence', 'online'), 10_000, from);
    expect(await snapshotCharacter(observer, c.characterId)).not.toHaveProperty('away');
    expect(observer.received.slice(from).filter(shows(c.characterId, 'character.left'))).toEqual([]);
    expect(observer.received.slice(from).filter(shows(c.characterId, 'character.joined'))).toEqual([]);
    await c.close();
  });

  it('delivers and stores chat without bidirectional controls', async () => {
    const c = await joinPlayer(system);
    const from = observer.received.length;
    const ack = await c.intent('intent.chat', { text: '\u202Eevil\u202C and \u2067\u200Fmore\u2069\u061C' });
    expect(ack.status).toBe('applied');
    const delta = await observer.waitForType('event.state_delta', (m) => changesOf(m, 'chat.message').some((x) => x.message.from.id === c.characterId), 10_000, from);
    expect(changesOf(delta, 'chat.message')[0]?.message.text).toBe('evil and more');
    const stored = await pg.query(`SELECT payload->>'text' AS text FROM action_events WHERE type = 'chat.posted' AND character_id = $1`, [c.characterId]);
    expect(stored.rows).toEqual([{ text: 'evil and more' }]);
    const anywhere = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM action_events WHERE payload::text ~ $1`, [BIDI.source]);
    expect(anywhere.rows[0]?.n).toBe(0);
    await c.close();
  });

  it('a gateway that only stalled (SIGSTOP, under the window) gets its player shown away, then back, never leaving', async () => {
    const c = await joinPlayer(doomed);
    await observer.waitFor(shows(c.characterId, 'character.joined'));
    const from = observer.received.length;
    doomed.app.proc!.kill('SIGSTOP');
    try {
      await observer.waitFor(shows(c.characterId, 'character.presence', 'away'), 10_000, from);
    } finally {
      doomed.app.proc!.kill('SIGCONT');
    }
    await observer.waitFor(shows(c.characterId, 'character.presence', 'online'), 10_000, from);
    expect(observer.received.slice(from).filter(shows(c.characterId, 'character.left'))).toEqual([]);
    expect(await snapshotCharacter(observer, c.characterId)).toMatchObject({ id: c.characterId });
    expect(await snapshotCharacter(observer, c.characterId)).not.toHaveProperty('away');
    expect((await c.move(c.freeDirection())).status).toBe('applied');
    await c.close();
    await observer.waitFor(shows(c.characterId, 'character.left'), 10_000, from);
  });

  it("a SIGKILLed gateway's players leave within the window plus one interval, shown away meanwhile, by another gateway", async () => {
    const live = await joinPlayer(doomed);
    const closed = await joinPlayer(doomed);
    await observer.waitFor(shows(live.characterId, 'character.joined'));
    await observer.waitFor(shows(closed.characterId, 'character.joined'));
    const from = observer.received.length;
    // One player's tab closes; half a window later its gateway dies, the other player's socket with it.
    closed.drop();
    const closedAt = Date.now();
    await observer.waitFor(shows(closed.characterId, 'character.presence', 'away'), 10_000, from);
    await sleep(Math.max(0, closedAt + WINDOW_MS / 2 - Date.now())); // the scenario: the gateway dies half a window after the tab closed
    await doomed.app.kill();
    const killedAt = Date.now();
    const [closedLeft, liveLeft] = await Promise.all([waitLeft(closed.characterId), waitLeft(live.characterId)]);
    const figures = { closedTabLeftAfterMs: closedLeft - closedAt, killedLeftAfterMs: liveLeft - killedAt, boundMs: WINDOW_MS + INTERVAL_MS };
    console.log(`presence after a gateway SIGKILL (another gateway running): ${JSON.stringify(figures)}`);
    await observer.waitFor(shows(closed.characterId, 'character.left'), 10_000, from);
    await observer.waitFor(shows(live.characterId, 'character.left'), 10_000, from);
    // Never before the window, and within the window plus one interval (and what a busy machine adds).
    expect(closedLeft - closedAt).toBeGreaterThanOrEqual(WINDOW_MS - 100);
    expect(closedLeft - closedAt).toBeLessThanOrEqual(WINDOW_MS + INTERVAL_MS + SLACK_MS);
    expect(liveLeft - killedAt).toBeGreaterThanOrEqual(WINDOW_MS - 100);
    expect(liveLeft - killedAt).toBeLessThanOrEqual(WINDOW_MS + INTERVAL_MS + SLACK_MS);
    // The killed gateway's live player was shown away before it left.
    const seen = observer.received.slice(from);
    expect(seen.findIndex(shows(live.characterId, 'character.presence', 'away'))).toBeGreaterThanOrEqual(0);
    expect(seen.findIndex(shows(live.characterId, 'character.presence', 'away'))).toBeLessThan(seen.findIndex(shows(live.characterId, 'character.left')));
    expect(await snapshotCharacter(observer, live.characterId)).toBeUndefined();
    expect(await snapshotCharacter(observer, closed.characterId)).toBeUndefined();
  });

  it('with one gateway that is SIGKILLed and restarted, its players leave by the window plus one interval, or soon after it is back', async () => {
    const live = await joinPlayer(system);
    const closed = await joinPlayer(system);
    await observer.waitFor(shows(closed.characterId, 'character.joined'));
    const from = observer.received.length;
    closed.drop();
    const closedAt = Date.now();
    await observer.waitFor(shows(closed.characterId, 'character.presence', 'away'), 10_000, from);
    await sleep(Math.max(0, closedAt + WINDOW_MS / 2 - Date.now())); // the scenario: the gateway dies half a window after the tab closed
    const port = new URL(system.baseUrl).port;
    await system.apps.gateway.kill();
    const killedAt = Date.now();
    const before = system.apps.gateway.output;
    system.apps.gateway.output = ''; // start() waits for this run's "ready", not the last one's
    await system.apps.gateway.start({ PORT: port, HOST: '127.0.0.1' });
    system.apps.gateway.output = before + system.apps.gateway.output;
    const readyAt = Date.now();
    const [closedLeft, liveLeft] = await Promise.all([waitLeft(closed.characterId), waitLeft(live.characterId)]);
    const figures = { restartMs: readyAt - killedAt, closedTabLeftAfterMs: closedLeft - closedAt, killedLeftAfterMs: liveLeft - killedAt, boundMs: WINDOW_MS + INTERVAL_MS };
    console.log(`presence after the only gateway's SIGKILL and restart: ${JSON.stringify(figures)}`);
    // The restarted gateway reaps from its third beat: by the deadline, or that soon after it is back.
    const by = (deadline: number) => Math.max(deadline, readyAt + 2 * INTERVAL_MS) + SLACK_MS;
    expect(closedLeft).toBeGreaterThanOrEqual(closedAt + WINDOW_MS - 100);
    expect(closedLeft).toBeLessThanOrEqual(by(closedAt + WINDOW_MS + INTERVAL_MS));
    expect(liveLeft).toBeGreaterThanOrEqual(killedAt + WINDOW_MS - 100);
    expect(liveLeft).toBeLessThanOrEqual(by(killedAt + WINDOW_MS + INTERVAL_MS));
    // A newcomer on the restarted gateway does not see them.
    const newcomer = await joinPlayer(system);
    const ids = newcomer.snapshot!.snapshot.characters.map((x) => x.id);
    expect(ids).not.toContain(live.characterId);
    expect(ids).not.toContain(closed.characterId);
    await newcomer.close();
  });
});
