#!/usr/bin/env node
// Operator commands, run against the deployment named by the environment (DATABASE_URL, NATS_URL,
// NATS_PREFIX; the same variables the apps read). Needs `npm run build` first.
//
//   node scripts/ops.mjs min-client-version 1.2.0      raise the oldest accepted client, on every gateway
//   node scripts/ops.mjs grant-role <username> admin   give a player a role (it applies at once)
//   node scripts/ops.mjs revoke-role <username> admin
//   node scripts/ops.mjs deadletters list [--json]     events the projector parked instead of applying
//   node scripts/ops.mjs deadletters retry <id>        publish one again; the projector applies it or parks it again
//   node scripts/ops.mjs deadletters drop <id>         forget one
//
// min-client-version stores the value in PostgreSQL (server_settings, which every gateway reads at
// start) and broadcasts it on the control subject, where every running gateway picks it up and
// ends its connected clients that are older (event.version_mismatch, close 4426).
import { createRequire } from 'node:module';
import { deadLetters } from './ops/dead-letters.mjs';

const require = createRequire(import.meta.url);
const USAGE = `usage:
  node scripts/ops.mjs min-client-version <semver>
  node scripts/ops.mjs grant-role <username> <role>
  node scripts/ops.mjs revoke-role <username> <role>
  node scripts/ops.mjs deadletters list [--json]
  node scripts/ops.mjs deadletters retry <id>
  node scripts/ops.mjs deadletters drop <id>`;

function load() {
  try {
    return { runtime: require('@tilemud/runtime'), contracts: require('@tilemud/contracts'), pg: require('pg') };
  } catch (err) {
    throw new Error(`cannot load the built libraries (run npm run build first): ${err.message}`);
  }
}

async function withDb(pg, url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function minClientVersion({ runtime, contracts, pg }, config, [version]) {
  if (!version || !contracts.parseSemver(version)) throw new Error(`not a semver version: ${version ?? '(none)'}\n${USAGE}`);
  await withDb(pg, config.DATABASE_URL, (db) =>
    db.query(
      `INSERT INTO server_settings (key, value) VALUES ('min_client_version', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [version],
    ),
  );
  const nc = await runtime.connectNats(config.NATS_URL, 'tilemud-ops');
  try {
    nc.publish(runtime.topology(config.NATS_PREFIX).controlSubject, JSON.stringify({ kind: 'min_client_version', minClientVersion: version, from: 'ops' }));
    await nc.flush();
  } finally {
    await nc.close();
  }
  return `minClientVersion is now ${version} (gateways started with a higher MIN_CLIENT_VERSION keep theirs)`;
}

async function role({ pg }, config, [username, roleName], grant) {
  if (!username || !roleName || !/^[a-z][a-z0-9_-]{0,31}$/.test(roleName)) throw new Error(USAGE);
  const sql = grant
    ? `UPDATE players SET roles = ARRAY(SELECT DISTINCT unnest(roles || ARRAY[$2::text]) ORDER BY 1) WHERE lower(username) = lower($1) RETURNING username, roles`
    : `UPDATE players SET roles = array_remove(roles, $2::text) WHERE lower(username) = lower($1) RETURNING username, roles`;
  const { rows } = await withDb(pg, config.DATABASE_URL, (db) => db.query(sql, [username, roleName]));
  if (!rows[0]) throw new Error(`no player named ${username}`);
  return `${rows[0].username} has roles: ${rows[0].roles.join(', ') || '(none)'}`;
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const libs = load();
  const config = libs.runtime.loadConfig(libs.runtime.BaseConfigSchema, process.env);
  const commands = {
    'min-client-version': () => minClientVersion(libs, config, args),
    'grant-role': () => role(libs, config, args, true),
    'revoke-role': () => role(libs, config, args, false),
    deadletters: () => deadLetters(libs, config, args, USAGE),
  };
  const run = commands[command];
  if (!run) throw new Error(USAGE);
  const out = await run();
  if (out !== undefined) console.log(out);
}

main().catch((err) => {
  console.error(`ops: ${err.message}`);
  process.exit(err.exitCode ?? 1);
});
