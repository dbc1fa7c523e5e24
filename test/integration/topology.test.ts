// The per-run isolation global-setup.ts builds, checked against the real services:
// a migrated database of this run's own, and JetStream streams and consumers under its prefix,
// both safe to (re)create from every process at every start.
import { readdirSync } from 'node:fs';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { migrate, MIGRATIONS_DIR } from '../../libs/runtime/src/migrate';
import { connectNats, ensureTopology, ensureWorldProjectorConsumer, ensureWorldSequencerConsumer, topology } from '../../libs/runtime/src/nats';

const runId = process.env.TILEMUD_TEST_RUN_ID!;
const databaseUrl = process.env.DATABASE_URL!;
const migrationFiles = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{3}_.+\.sql$/.test(f))
  .sort();

describe('test run isolation', () => {
  it('has a run id that is a valid prefix, shared by NATS and Redis', () => {
    expect(runId).toMatch(/^[a-z][a-z0-9_]{0,31}$/);
    expect(process.env.NATS_PREFIX).toBe(runId);
    expect(process.env.REDIS_PREFIX).toBe(runId);
    expect(new URL(databaseUrl).pathname).toBe(`/tilemud_${runId}`);
  });

  describe('database', () => {
    let db: Client;

    beforeAll(async () => {
      db = new Client({ connectionString: databaseUrl });
      await db.connect();
    });
    afterAll(async () => {
      await db?.end();
    });

    it('is this run’s own database, migrated', async () => {
      const { rows } = await db.query<{ db: string }>('SELECT current_database() AS db');
      expect(rows[0]!.db).toBe(`tilemud_${runId}`);

      const table = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'action_events'`);
      expect(table.rowCount).toBe(1);

      const versions = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(migrationFiles.length).toBeGreaterThan(0);
      expect(versions.rows.map((r) => r.version)).toEqual(migrationFiles);
    });

    it('migrating again applies nothing', async () => {
      await expect(migrate(databaseUrl)).resolves.toEqual([]);
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      expect(Number(rows[0]!.n)).toBe(migrationFiles.length);
    });
  });

  describe('JetStream topology', () => {
    const t = topology(runId);
    let nc: NatsConnection;

    beforeAll(async () => {
      nc = await connectNats(process.env.NATS_URL!, `topology-test-${runId}`);
    });
    afterAll(async () => {
      await nc?.close();
    });

    it('names every stream, consumer and subject after the run', () => {
      const upper = runId.toUpperCase();
      expect(t.intentsStream).toBe(`${upper}_INTENTS`);
      expect(t.eventsStream).toBe(`${upper}_EVENTS`);
      expect(t.sequencerConsumerOf('lobby')).toBe(`${upper}_SEQUENCER_LOBBY`);
      expect(t.projectorConsumerOf('lobby')).toBe(`${upper}_PROJECTOR_LOBBY`);
      expect(t.intentSubject('w1')).toBe(`${runId}.intents.w1`);
      expect(t.eventSubject('w1')).toBe(`${runId}.events.w1`);
    });

    it('ensureTopology is idempotent on the same prefix', async () => {
      await expect(ensureTopology(nc, t)).resolves.toBeDefined();
      await expect(ensureTopology(nc, t)).resolves.toBeDefined();
    });

    it('has the two streams under the prefix, no whole-stream consumer, and one consumer per world filtered on its subject', async () => {
      const jsm = await jetstreamManager(nc);

      const intents = await jsm.streams.info(t.intentsStream);
      expect(intents.config.subjects).toEqual([`${runId}.intents.>`]);
      const events = await jsm.streams.info(t.eventsStream);
      expect(events.config.subjects).toEqual([`${runId}.events.>`]);

      const ours = (await jsm.streams.names().next()).filter((n) => n.startsWith(`${runId.toUpperCase()}_`));
      expect(ours.sort()).toEqual([t.eventsStream, t.intentsStream].sort());

      // A consumer of a whole stream (before world leases) would overlap the worlds' on the work
      // queue (where the server refuses to make one beside filtered ones) and go unread on EVENTS:
      // ensureTopology removes it.
      await jsm.consumers.add(t.eventsStream, { durable_name: t.projectorConsumer, ack_policy: AckPolicy.Explicit });
      await ensureTopology(nc, t);
      expect((await jsm.consumers.list(t.eventsStream).next()).map((c) => c.name)).not.toContain(t.projectorConsumer);

      // What the member taking a world makes: a consumer of its subject alone, in each stream.
      await ensureWorldSequencerConsumer(jsm, t, 'topology_w');
      await ensureWorldProjectorConsumer(jsm, t, 'topology_w');
      const sequencer = await jsm.consumers.info(t.intentsStream, t.sequencerConsumerOf('topology_w'));
      expect(sequencer.config.filter_subject).toBe(t.intentSubject('topology_w'));
      const projector = await jsm.consumers.info(t.eventsStream, t.projectorConsumerOf('topology_w'));
      expect(projector.config.filter_subject).toBe(t.eventSubject('topology_w'));
      await jsm.consumers.delete(t.intentsStream, sequencer.name);
      await jsm.consumers.delete(t.eventsStream, projector.name);
    });
  });
});
