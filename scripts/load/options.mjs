// Command-line options of scripts/load.mjs.

import { parseArgs } from 'node:util';
import { parseWorldList } from './placement.mjs';

export const USAGE = `TileMUD load harness

usage: npm run load -- --sessions N --duration S --rate R [options]
       npm run load -- --smoke [--url URL]

  --sessions N        sessions (guest players), each with its own WebSocket
  --duration S        seconds of driving intents once every session is live
  --rate R            intents per second per session (spread uniformly)
  --url URL[,URL...]  server base URL (default http://127.0.0.1:3000); the
                      harness connects to this origin only. Several, comma-
                      separated (e.g. one per gateway): the sessions are
                      spread over them round robin (session i's whole setup,
                      socket and logout go to URL i modulo their number)
  --chat P            probability that an intent is a chat (default 0.05);
                      the rest are moves in a random direction
  --ramp S            spread session setup over S seconds (default 0: as fast
                      as the setup concurrency allows)
  --concurrency C     setups in flight at once (default 50)
  --grace S           seconds to wait for outstanding acks after the drive
                      (default 5)
  --setup-timeout S   per-step setup timeout, HTTP call or WebSocket
                      handshake (default 15)
  --deflate           offer permessage-deflate (off by default, to keep the
                      harness's CPU for measuring)
  --report PATH       JSON report (default reports/load-<ISO timestamp>.json)
  --json PATH         also write the headline figures (latency percentiles,
                      intents/s, errors, sessions, worlds, duration) as a
                      small JSON file, for a driver such as a benchmark
  --worlds A,B,...    spread the players over these worlds (round robin): each
                      new character's home world is set in the database
                      between bootstrap and hello (needs --database-url; the
                      contract has no way for a client to choose its world)
  --database-url URL  the system's PostgreSQL, for --worlds only
  --smoke             end-to-end check: sessions 2, duration 3, rate 2
                      (explicit flags still win); exits 1 unless every session
                      came up and every intent was acknowledged
  -h, --help          this text

Exit code: 0; 1 when setup failed for more than 1% of sessions (or a smoke
check failed); 2 on bad arguments; 130 when interrupted (Ctrl-C stops the
run, closes the sockets and still writes the report).`;

export class UsageError extends Error {}

function num(name, raw, { min = -Infinity, max = Infinity, int = false, exclusiveMin = false } = {}) {
  const v = Number(raw);
  const low = exclusiveMin ? v <= min : v < min;
  if (raw === undefined || raw === '' || !Number.isFinite(v) || low || v > max || (int && !Number.isInteger(v))) {
    const range = `${exclusiveMin ? '>' : '>='} ${min}${max !== Infinity ? ` and <= ${max}` : ''}`;
    throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'} ${range} (got ${JSON.stringify(raw)})`);
  }
  return v;
}

function defaultReportPath(date = new Date()) {
  // ISO timestamp without ':' and '.', which are awkward in file names.
  return `reports/load-${date.toISOString().replace(/[:.]/g, '-')}.json`;
}

/** `--url`: one or more http(s) URLs, comma-separated; answers their origins in order. Throws UsageError. */
export function parseUrlList(raw) {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new UsageError(`--url has an empty entry: ${JSON.stringify(raw)}`);
  return parts.map((part) => {
    let url;
    try {
      url = new URL(part);
    } catch {
      throw new UsageError(`--url is not a URL: ${part}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be http:// or https://');
    return url.origin;
  });
}

/** Parses argv (without node and script); throws UsageError. Returns null for --help. */
export function parseOptions(argv, now = new Date()) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        sessions: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        url: { type: 'string' },
        chat: { type: 'string' },
        ramp: { type: 'string' },
        concurrency: { type: 'string' },
        grace: { type: 'string' },
        'setup-timeout': { type: 'string' },
        deflate: { type: 'boolean' },
        report: { type: 'string' },
        json: { type: 'string' },
        worlds: { type: 'string' },
        'database-url': { type: 'string' },
        smoke: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (parsed.help) return null;

  const smoke = parsed.smoke === true;
  const raw = {
    sessions: parsed.sessions ?? (smoke ? '2' : undefined),
    duration: parsed.duration ?? (smoke ? '3' : undefined),
    rate: parsed.rate ?? (smoke ? '2' : undefined),
  };
  for (const k of ['sessions', 'duration', 'rate']) {
    if (raw[k] === undefined) throw new UsageError(`--${k} is required (or use --smoke)`);
  }

  const urls = parseUrlList(parsed.url ?? 'http://127.0.0.1:3000');

  if (parsed.json === '') throw new UsageError('--json needs a file path');
  let worlds;
  try {
    worlds = parseWorldList(parsed.worlds);
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (worlds !== null && !parsed['database-url']) throw new UsageError("--worlds needs --database-url (the system's own database)");

  return {
    url: urls.join(','),
    urls,
    sessions: num('sessions', raw.sessions, { min: 1, max: 100_000, int: true }),
    duration: num('duration', raw.duration, { min: 0, exclusiveMin: true, max: 86_400 }),
    rate: num('rate', raw.rate, { min: 0, exclusiveMin: true, max: 1000 }),
    chat: parsed.chat === undefined ? 0.05 : num('chat', parsed.chat, { min: 0, max: 1 }),
    ramp: parsed.ramp === undefined ? 0 : num('ramp', parsed.ramp, { min: 0, max: 86_400 }),
    concurrency: parsed.concurrency === undefined ? 50 : num('concurrency', parsed.concurrency, { min: 1, max: 10_000, int: true }),
    grace: parsed.grace === undefined ? 5 : num('grace', parsed.grace, { min: 0, max: 600 }),
    setupTimeout: parsed['setup-timeout'] === undefined ? 15 : num('setup-timeout', parsed['setup-timeout'], { min: 0, exclusiveMin: true, max: 600 }),
    deflate: parsed.deflate === true,
    report: parsed.report ?? defaultReportPath(now),
    json: parsed.json ?? null,
    worlds,
    databaseUrl: parsed['database-url'] ?? null,
    smoke,
  };
}
