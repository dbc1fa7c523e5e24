import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createLogger, isLeaseLost, LeaseTable, WorldLeases, WorldOwner } from '@tilemud/runtime';
import { EventLog, EventRow } from '../../apps/sequencer/src/event-log';
import { eventually } from '../support/eventually';

/**
 * World leases against the real database (migration 011): taking, renewing, releasing and expiring
 * a lease; the fence an append carries; a take waiting for an append in flight; and several
 * members sharing worlds, rebalancing as one joins, stops or dies, never two holding one world.
 */
describe('world leases', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  const logger = createLogger('lease-test', 'silent');
  let n = 0;
  /** A role of its own per test: nothing is shared between them or with the run's apps. */
  const role = () => `lease_test_${Date.now().toString(36)}_${++n}`;

  afterAll(async () => {
    await pool.query(`DELETE FROM world_leases WHERE role LIKE 'lease_test_%'`);
    await pool.query(`DELETE FROM role_members WHERE role LIKE 'lease_test_%'`);
    await pool.end();
  });

  it('is taken by one member at a time, renewed by its holder only, and free once released or expired', async () => {
    const table = new LeaseTable(pool, role(), 600);
    expect(await table.take('w1', 'a')).toBe(1);
    expect(await table.take('w1', 'b')).toBeUndefined();
    expect(await table.renew('a', new Map([['w1', 1]]))).toEqual(new Set(['w1']));
    expect(await table.renew('b', new Map([['w1', 1]]))).toEqual(new Set());
    await table.release('w1', 'a', 1);
    expect(await table.take('w1', 'b')).toBe(2);
    // The old holder's renewal names an epoch that is gone.
    expect(await table.renew('a', new Map([['w1', 1]]))).toEqual(new Set());
    // Left to expire, it is free again (PostgreSQL's clock decides).
    const epoch = await eventually('the lease to expire and be taken by a', () => table.take('w1', 'a'), 5000);
    expect(epoch).toBe(3);
    // Its own holder may take it again at once (after a pause): a new epoch.
    expect(await table.take('w1', 'a')).toBe(4);
  });

  it('fences an append: a world not held at the epoch it names refuses the whole batch (TMLEA), and nothing is stored', async () => {
    const r = role();
    const table = new LeaseTable(pool, r, 10_000);
    const log = new EventLog(pool);
    const worldId = `lease_${Date.now().toString(36)}`;
    const who = randomUUID();
    const row = (seq: number): EventRow => ({
      worldId,
      seq,
      characterId: who,
      intentSeq: seq,
      eventIndex: 0,
      type: 'chat.posted',
      payload: { messageId: `${who}:${seq}`, characterId: who, name: 'Ann', channel: 'world', text: `line ${seq}`, at: '2026-01-01T00:00:00.000Z' },
      recordedAt: new Date().toISOString(),
      traceId: null,
    });
    const epoch = (await table.take(worldId, 'a'))!;
    await log.append([row(1)], [], { role: r, holder: 'a', worlds: [worldId], epochs: [epoch] });
    await table.release(worldId, 'a', epoch);
    const next = (await table.take(worldId, 'b'))!;
    const late = await log.append([row(2)], [], { role: r, holder: 'a', worlds: [worldId], epochs: [epoch] }).catch((e: unknown) => e);
    expect(isLeaseLost(late)).toBe(true);
    await log.append([row(2)], [], { role: r, holder: 'b', worlds: [worldId], epochs: [next] });
    expect((await log.eventsAfter(worldId, 0)).map((e) => [e.seq, e.intentSeq])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const c = await pool.connect();
    try {
      await c.query('ALTER TABLE action_events DISABLE TRIGGER USER');
      await c.query('DELETE FROM action_events WHERE world_id = $1', [worldId]);
      await c.query('ALTER TABLE action_events ENABLE TRIGGER USER');
    } finally {
      c.release();
    }
  });

  it('makes a take wait for an append in flight under the old lease, even past its expiry', async () => {
    const r = role();
    const table = new LeaseTable(pool, r, 400);
    const epoch = (await table.take('w1', 'a'))!;
    const append = await pool.connect();
    try {
      await append.query('BEGIN');
      await append.query('SELECT world_lease_fence($1, $2, $3::text[], $4::bigint[])', [r, 'a', ['w1'], [epoch]]);
      await eventually(
        'the lease to pass its expiry',
        async () => (await pool.query<{ past: boolean }>(`SELECT expires_at < clock_timestamp() AS past FROM world_leases WHERE role = $1`, [r])).rows[0]?.past === true,
        5000,
      );
      let taken: number | undefined | 'pending' = 'pending';
      const take = table.take('w1', 'b').then((e) => (taken = e));
      await eventually(
        'the take to wait on the lease row',
        async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO world_leases%'`)).rowCount! > 0,
        5000,
      );
      expect(taken).toBe('pending');
      await append.query('COMMIT');
      await take;
      expect(taken).toBe(epoch + 1);
    } finally {
      append.release();
    }
  });

  it('takes the worlds it discovers (those in the log beyond the maps) besides those it was given', async () => {
    const table = new LeaseTable(pool, role(), 1000);
    const gained: string[] = [];
    const owner: WorldOwner = { gained: async (w) => void gained.push(w), drain: async () => undefined };
    const m = new WorldLeases(table, 'solo', ['w0', 'w1'], owner, logger, { ttlMs: 1000, renewMs: 100, discover: async () => ['w1', 'from_the_log'] });
    try {
      m.start();
      await eventually(
        'all three worlds held',
        () => m.heldWorlds().size === 3,
        10_000,
        () => [...m.heldWorlds().keys()],
      );
      expect(gained.sort()).toEqual(['from_the_log', 'w0', 'w1']);
    } finally {
      await m.stop();
    }
  });

  describe('members sharing worlds', () => {
    const worlds = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9'];
    /** Every gain and drain, in order, to check that no world ever has two holders at once. */
    const timeline: Array<{ world: string; member: string; what: 'gained' | 'drained' }> = [];
    const member = (table: LeaseTable, name: string) => {
      const owner: WorldOwner = {
        gained: async (world) => void timeline.push({ world, member: name, what: 'gained' }),
        drain: async (world) => void timeline.push({ world, member: name, what: 'drained' }),
      };
      return new WorldLeases(table, name, worlds, owner, logger, { ttlMs: 1000, renewMs: 100 });
    };
    const holders = (ms: WorldLeases[]) => worlds.map((w) => ms.filter((m) => m.heldWorlds().has(w)).length);
    const spread = (ms: WorldLeases[]) => ms.map((m) => m.heldWorlds().size).join('/');

    it('spreads the worlds, rebalances on a join, a stop and a death, and never lets two members hold a world', async () => {
      const table = new LeaseTable(pool, role(), 1000);
      const a = member(table, 'a');
      const b = member(table, 'b');
      const c = member(table, 'c');
      try {
        a.start();
        b.start();
        await eventually(
          'a and b to hold every world between them',
          () => holders([a, b]).every((h) => h === 1) && a.heldWorlds().size > 0 && b.heldWorlds().size > 0,
          10_000,
          () => spread([a, b]),
        );

        c.start();
        await eventually(
          'c to take its share',
          () => c.heldWorlds().size > 0 && holders([a, b, c]).every((h) => h === 1),
          10_000,
          () => spread([a, b, c]),
        );

        const joinedAt = performance.now();
        await c.stop();
        await eventually(
          'c’s worlds back with a and b',
          () => holders([a, b]).every((h) => h === 1),
          10_000,
          () => spread([a, b]),
        );
        // A graceful stop releases at once: no wait for the time to live.
        expect(performance.now() - joinedAt).toBeLessThan(5000);

        // b dies: no release, no leave. Its worlds wait for the time to live, then go to a.
        await b.pause();
        await eventually(
          'a to hold every world',
          () => a.heldWorlds().size === worlds.length,
          15_000,
          () => spread([a, b]),
        );
      } finally {
        await Promise.all([a.stop(), b.stop(), c.stop()]);
      }

      // Replay the timeline: a world is gained only while no other member holds it.
      const holding = new Map<string, string>();
      for (const e of timeline) {
        if (e.what === 'gained') {
          expect([e.world, holding.get(e.world)]).toEqual([e.world, undefined]);
          holding.set(e.world, e.member);
        } else if (holding.get(e.world) === e.member) holding.delete(e.world);
      }
      expect(timeline.filter((e) => e.what === 'gained').length).toBeGreaterThanOrEqual(worlds.length + 2);
    });
  });
});
