// One jest run = one isolated world. Before any integration or e2e test runs, this creates
// a run id and, named after it, a PostgreSQL database (migrated), a NATS subject prefix with
// its own JetStream streams and durable consumers, and a Redis key prefix; the tests see them
// through process.env (DATABASE_URL, NATS_PREFIX, REDIS_PREFIX, ...). global-teardown.ts removes
// them. Services must be up: `npm test` runs infra/ensure-services.sh first (or `npm run services`).
import { randomBytes } from 'node:crypto';
import { migrate } from '../../libs/runtime/src/migrate';
import { connectNats, ensureTopology, topology } from '../../libs/runtime/src/nats';
import { removeTestWorld, TEST_WORLD_KEY, TestWorld } from './global-teardown';

const DEFAULT_PG_BASE = 'postgres://postgres@127.0.0.1:5432';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const SERVICES_HINT = 'start the services with `npm run services` (or docker compose -f infra/docker-compose.yml up -d)';

/** `t` + base36 time + 4 hex: a valid NATS_PREFIX (^[a-z][a-z0-9_]{0,31}$), unique per run. */
export function newRunId(): string {
  return `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toLowerCase();
}

function databaseUrlFor(runId: string): string {
  const url = new URL(process.env.TEST_PG_URL_BASE || DEFAULT_PG_BASE);
  url.pathname = `/tilemud_${runId}`;
  return url.toString();
}

function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export default async function globalSetup(): Promise<void> {
  // Both the integration and the e2e project list this file; in one jest process the world is made once.
  if (process.env.TILEMUD_TEST_RUN_ID) return;

  const runId = newRunId();
  const world: TestWorld = {
    runId,
    databaseUrl: databaseUrlFor(runId),
    redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
    natsUrl: process.env.NATS_URL || DEFAULT_NATS_URL,
  };
  process.env.TILEMUD_TEST_RUN_ID = runId;
  process.env.NATS_PREFIX = runId;
  process.env.REDIS_PREFIX = runId;
  process.env.DATABASE_URL = world.databaseUrl;
  process.env.REDIS_URL = world.redisUrl;
  process.env.NATS_URL = world.natsUrl;
  // From here on teardown owns whatever exists, even if the rest of setup fails.
  (globalThis as Record<string, unknown>)[TEST_WORLD_KEY] = world;

  try {
    try {
      await withTimeout('PostgreSQL', 20_000, migrate(world.databaseUrl));
    } catch (err) {
      throw new Error(`test setup: cannot create and migrate ${world.databaseUrl}: ${(err as Error).message}; ${SERVICES_HINT}`);
    }
    try {
      const nc = await withTimeout('NATS', 10_000, connectNats(world.natsUrl, `jest-setup-${runId}`));
      try {
        await withTimeout('JetStream', 20_000, ensureTopology(nc, topology(runId)));
      } finally {
        await nc.close();
      }
    } catch (err) {
      throw new Error(`test setup: cannot create the JetStream topology for ${runId} on ${world.natsUrl}: ${(err as Error).message}; ${SERVICES_HINT}`);
    }
  } catch (err) {
    // jest does not run globalTeardown when globalSetup fails: clean up what was made here.
    await removeTestWorld().catch(() => undefined);
    throw err;
  }
  process.stderr.write(`test world ${runId}: database tilemud_${runId}, streams ${topology(runId).intentsStream}/${topology(runId).eventsStream}\n`);
}
