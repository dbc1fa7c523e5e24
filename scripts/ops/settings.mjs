// `ops min-client-version`, `ops grant-role`, `ops revoke-role`: settings every gateway reads.
//
// min-client-version stores the value in PostgreSQL (server_settings, which every gateway reads at
// start) and broadcasts it on the control subject, where every running gateway picks it up and
// ends its connected clients that are older (event.version_mismatch, close 4426).
import { Failure, withDb } from './cli.mjs';

// These three answer bad input with exit 1, as they always have (scripts and tests rely on it).

export const minClientVersionCommand = {
  name: 'min-client-version',
  usage: 'min-client-version <semver>',
  summary: 'Raises the oldest accepted client version on every gateway (stored, and broadcast to the running ones).',
  flags: {},
  positionals: 1,
  async run(ctx, opts, [version]) {
    if (!version || !ctx.libs.contracts.parseSemver(version)) throw new Failure(`not a semver version: ${version ?? '(none)'}`);
    await withDb(ctx, (db) =>
      db.query(
        `INSERT INTO server_settings (key, value) VALUES ('min_client_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [version],
      ),
    );
    const { runtime } = ctx.libs;
    const nc = await runtime.connectNats(ctx.config.NATS_URL, 'tilemud-ops');
    try {
      nc.publish(runtime.topology(ctx.config.NATS_PREFIX).controlSubject, JSON.stringify({ kind: 'min_client_version', minClientVersion: version, from: 'ops' }));
      await nc.flush();
    } finally {
      await nc.close();
    }
    return opts.json ? JSON.stringify({ minClientVersion: version }) : `minClientVersion is now ${version} (gateways started with a higher MIN_CLIENT_VERSION keep theirs)`;
  },
};

const roleCommand = (grant) => ({
  name: grant ? 'grant-role' : 'revoke-role',
  usage: `${grant ? 'grant-role' : 'revoke-role'} <username> <role>`,
  summary: grant ? 'Gives a player a role (e.g. admin); it applies at once.' : 'Takes a role away from a player.',
  flags: {},
  positionals: 2,
  async run(ctx, opts, [username, role]) {
    if (!username || !role) throw new Failure('give a username and a role');
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(role)) throw new Failure(`not a role name: ${role}`);
    const sql = grant
      ? `UPDATE players SET roles = ARRAY(SELECT DISTINCT unnest(roles || ARRAY[$2::text]) ORDER BY 1) WHERE lower(username) = lower($1) RETURNING username, roles`
      : `UPDATE players SET roles = array_remove(roles, $2::text) WHERE lower(username) = lower($1) RETURNING username, roles`;
    const { rows } = await withDb(ctx, (db) => db.query(sql, [username, role]));
    if (!rows[0]) throw new Failure(`no player named ${username}`);
    if (opts.json) return JSON.stringify({ username: rows[0].username, roles: rows[0].roles });
    return `${rows[0].username} has roles: ${rows[0].roles.join(', ') || '(none)'}`;
  },
});

export const grantRoleCommand = roleCommand(true);
export const revokeRoleCommand = roleCommand(false);
