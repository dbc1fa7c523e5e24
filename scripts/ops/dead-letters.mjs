// `node scripts/ops.mjs deadletters …`: the events the projector parked (table dead_letters)
// instead of applying them: malformed, or disagreeing with the log, or absent from it.
//
//   list [--json]  a table (or a JSON array, payload as text and base64) of every dead letter
//   retry <id>     publishes it again on its subject with its headers (no msgID, so the stream
//                  takes it) and `Tilemud-Dead-Letter: <id>`; the projector removes the row when
//                  it now agrees with the log, or counts one more attempt. Waits for that answer.
//   drop <id>      deletes it
//
// Exit codes: 0 done, 1 failed (or retried and parked again), 2 bad usage or unknown id.
const RETRY_WAIT_MS = 10_000;

class UsageError extends Error {
  exitCode = 2;
}

export async function deadLetters({ runtime, pg }, config, [sub, ...rest], usage) {
  const db = new pg.Client({ connectionString: config.DATABASE_URL });
  await db.connect();
  try {
    switch (sub) {
      case 'list':
        return await list(db, parseFlags(rest, ['--json'], usage));
      case 'retry':
        return await retry(runtime, config, db, parseId(rest, usage));
      case 'drop':
        return await drop(db, parseId(rest, usage));
      default:
        throw new UsageError(`unknown deadletters command: ${sub ?? '(none)'}\n${usage}`);
    }
  } finally {
    await db.end();
  }
}

function parseFlags(args, allowed, usage) {
  const bad = args.filter((a) => !allowed.includes(a));
  if (bad.length) throw new UsageError(`unexpected argument: ${bad.join(' ')}\n${usage}`);
  return { json: args.includes('--json') };
}

function parseId(args, usage) {
  if (args.length !== 1) throw new UsageError(`give exactly one dead letter id\n${usage}`);
  if (!/^[1-9][0-9]{0,17}$/.test(args[0])) throw new UsageError(`not a dead letter id: ${args[0]} (a positive integer, as listed)`);
  return args[0];
}

const COLUMNS = `id::text, stream, subject, stream_seq::text, world_id, event_seq::text, reason, payload, headers, first_seen, last_seen, attempts`;

function toJson(r) {
  const text = r.payload.toString('utf8');
  return {
    id: Number(r.id),
    stream: r.stream,
    subject: r.subject,
    streamSeq: Number(r.stream_seq),
    worldId: r.world_id,
    eventSeq: r.event_seq === null ? null : Number(r.event_seq),
    reason: r.reason,
    payload: text,
    payloadBase64: r.payload.toString('base64'),
    firstSeen: r.first_seen.toISOString(),
    lastSeen: r.last_seen.toISOString(),
    attempts: r.attempts,
  };
}

async function list(db, { json }) {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM dead_letters ORDER BY id`);
  const items = rows.map(toJson);
  if (json) return JSON.stringify(items, null, 2);
  if (!items.length) return 'no dead letters';
  const table = items.map((d) => ({
    id: String(d.id),
    'first seen': d.firstSeen.replace('T', ' ').slice(0, 19),
    attempts: String(d.attempts),
    subject: d.subject,
    'stream seq': String(d.streamSeq),
    world: d.worldId ?? '-',
    'event seq': d.eventSeq === null ? '-' : String(d.eventSeq),
    reason: d.reason,
  }));
  const heads = Object.keys(table[0]);
  const width = Object.fromEntries(heads.map((h) => [h, Math.max(h.length, ...table.map((r) => r[h].length))]));
  const line = (r) =>
    heads
      .map((h) => r[h].padEnd(width[h]))
      .join('  ')
      .trimEnd();
  return [line(Object.fromEntries(heads.map((h) => [h, h]))), ...table.map(line)].join('\n');
}

async function one(db, id) {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
  if (!rows[0]) throw new UsageError(`no dead letter ${id}`);
  return rows[0];
}

async function drop(db, id) {
  const { rowCount } = await db.query('DELETE FROM dead_letters WHERE id = $1', [id]);
  if (!rowCount) throw new UsageError(`no dead letter ${id}`);
  return `dead letter ${id} dropped`;
}

async function retry(runtime, config, db, id) {
  const row = await one(db, id);
  const { jetstream } = await import('@nats-io/jetstream');
  const { headers } = await import('@nats-io/transport-node');
  const nc = await runtime.connectNats(config.NATS_URL, 'tilemud-ops');
  try {
    const h = headers();
    for (const [k, values] of Object.entries(row.headers ?? {})) {
      // A msgID would make the stream drop it as the duplicate it is.
      if (k.toLowerCase() === 'nats-msg-id' || k === 'Tilemud-Dead-Letter') continue;
      for (const v of values) h.append(k, v);
    }
    h.set('Tilemud-Dead-Letter', id);
    try {
      await jetstream(nc).publish(row.subject, row.payload, { headers: h });
    } catch (err) {
      throw new Error(`could not publish dead letter ${id} on ${row.subject}: ${err.message}`);
    }
  } finally {
    await nc.close();
  }
  const deadline = Date.now() + RETRY_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const { rows } = await db.query('SELECT attempts, reason FROM dead_letters WHERE id = $1', [id]);
    if (!rows[0]) return `dead letter ${id} published again: it agrees with the log now and was removed`;
    if (rows[0].attempts > row.attempts) {
      const err = new Error(`dead letter ${id} published again and parked again (attempt ${rows[0].attempts}): ${rows[0].reason}`);
      err.exitCode = 1;
      throw err;
    }
  }
  throw new Error(`dead letter ${id} published again on ${row.subject}, but the projector has not answered within ${RETRY_WAIT_MS / 1000} s (is it running?)`);
}
