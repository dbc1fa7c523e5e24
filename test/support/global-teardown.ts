// Removes the world global-setup.ts made for this jest run: its JetStream streams (and with
// them their consumers), its Redis keys and its database. Runs once per jest process, and only
// in the process that made the world. TILEMUD_KEEP_TEST_DB=1 keeps the database for a look
// afterwards (psql postgres://postgres@127.0.0.1:5432/tilemud_<run id>).
import Redis from 'ioredis';
import { Client } from 'pg';
import { connectNats, destroyTopology, topology } from '../../libs/runtime/src/nats';

export const TEST_WORLD_KEY = '__tilemudTestWorld';

export interface TestWorld {
  runId: string;
  databaseUrl: string;
  redisUrl: string;
  natsUrl: string;
}

const warn = (msg: string) => process.stderr.write(`test teardown: ${msg}\n`);

async function removeStreams(world: TestWorld): Promise<void> {
  const nc = await connectNats(world.natsUrl, `jest-teardown-${world.runId}`);
  try {
    await destroyTopology(nc, topology(world.runId));
  } finally {
    await nc.close();
  }
}

async function removeRedisKeys(world: TestWorld): Promise<void> {
  const redis = new Redis(world.redisUrl, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    warn(`Redis not reachable at ${world.redisUrl}, keys ${world.runId}:* left (${(err as Error).message})`);
    redis.disconnect();
    return;
  }
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${world.runId}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function dropDatabase(world: TestWorld): Promise<void> {
  const url = new URL(world.databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Removes this process's test world, if it made one; a second call does nothing. */
export async function removeTestWorld(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const world = g[TEST_WORLD_KEY] as TestWorld | undefined;
  if (!world) return;
  delete g[TEST_WORLD_KEY];

  // Each part on its own: one service being down must not leave the others' leftovers.
  await removeStreams(world).catch((err: Error) => warn(`streams of ${world.runId} not deleted: ${err.message}`));
  await removeRedisKeys(world).catch((err: Error) => warn(`Redis keys ${world.runId}:* not deleted: ${err.message}`));
  if (process.env.TILEMUD_KEEP_TEST_DB === '1') {
    warn(`TILEMUD_KEEP_TEST_DB=1: keeping database ${world.databaseUrl}`);
    return;
  }
  await dropDatabase(world).catch((err: Error) => warn(`database of ${world.runId} not dropped: ${err.message}`));
}

export default async function globalTeardown(): Promise<void> {
  await removeTestWorld();
}
