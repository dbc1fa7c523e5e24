// The operator command's small framework: a command is a module exporting { name, summary, usage,
// flags, run(ctx, opts) }; this parses its flags (with --help, --json and --progress for every one),
// loads the built libraries and the apps' environment, and renders tables. Nothing here keeps
// state between calls: every value lives in the ctx of one run.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Bad input: a clear message and exit 2 (the usage is printed with it). */
export class UsageError extends Error {
  exitCode = 2;
}

/** The command ran and found something wrong (verify's problems, a refused import): exit 1. */
export class Failure extends Error {
  exitCode = 1;
}

export function loadLibs() {
  try {
    return {
      runtime: require('@tilemud/runtime'),
      domain: require('@tilemud/domain'),
      contracts: require('@tilemud/contracts'),
      pg: require('pg'),
    };
  } catch (err) {
    throw new Error(`cannot load the built libraries (run npm run build first): ${err.message}`);
  }
}

/** Flags every command takes. */
export const COMMON_FLAGS = {
  help: { kind: 'bool', help: 'this help' },
  json: { kind: 'bool', help: 'machine-readable output (JSON; NDJSON for event lists)' },
  progress: { kind: 'bool', help: 'show the progress bar even when stderr is not a terminal' },
};

const WHOLE = /^[0-9]{1,16}$/;

function parseValue(name, spec, raw) {
  switch (spec.kind) {
    case 'string':
      if (raw === '') throw new UsageError(`--${name} needs a value`);
      return raw;
    case 'int': {
      if (!WHOLE.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${name}: not a whole number: ${raw}`);
      const n = Number(raw);
      if (n < (spec.min ?? 0)) throw new UsageError(`--${name}: must be at least ${spec.min ?? 0}, got ${n}`);
      return n;
    }
    case 'int-or-all':
      return raw === 'all' ? 'all' : parseValue(name, { ...spec, kind: 'int' }, raw);
    case 'time': {
      const t = Date.parse(raw);
      if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t)) throw new UsageError(`--${name}: not a time (ISO 8601, e.g. 2026-12-02T10:15:00Z): ${raw}`);
      return new Date(t).toISOString();
    }
    default:
      throw new Error(`flag --${name} has unknown kind ${spec.kind}`);
  }
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name`, plus up to `command.positionals`
 * plain arguments; anything else is bad input. Returns `{ opts, args }`.
 */
export function parseFlags(command, argv) {
  const flags = { ...COMMON_FLAGS, ...command.flags };
  const opts = {};
  const args = [];
  for (const [name, spec] of Object.entries(flags)) if (spec.default !== undefined) opts[camel(name)] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      if (args.length >= (command.positionals ?? 0)) throw new UsageError(`${command.name}: unexpected argument: ${arg}`);
      args.push(arg);
      continue;
    }
    const [, name, inline] = m;
    const spec = flags[name];
    if (!spec) throw new UsageError(`${command.name}: unknown flag --${name}`);
    if (spec.kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      opts[camel(name)] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    opts[camel(name)] = parseValue(name, spec, raw);
  }
  return { opts, args };
}

const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

export function helpText(command) {
  const flags = { ...command.flags, ...COMMON_FLAGS };
  const width = Math.max(...Object.entries(flags).map(([n, s]) => flagLabel(n, s).length));
  const lines = Object.entries(flags).map(([n, s]) => `  ${flagLabel(n, s).padEnd(width)}  ${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}`);
  return [`npm run ops -- ${command.usage}`, '', command.summary, '', 'flags:', ...lines, ...(command.notes ? ['', command.notes] : [])].join('\n');
}

const flagLabel = (name, spec) => (spec.kind === 'bool' ? `--${name}` : `--${name} ${spec.value ?? spec.kind.toUpperCase()}`);

/** Left-aligned columns, a header row first; every cell is a string. */
export function table(rows, columns = rows.length ? Object.keys(rows[0]) : []) {
  const width = Object.fromEntries(columns.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length))]));
  const line = (r) =>
    columns
      .map((c) => String(r[c] ?? '').padEnd(width[c]))
      .join('  ')
      .trimEnd();
  return [line(Object.fromEntries(columns.map((c) => [c, c]))), ...rows.map(line)].join('\n');
}

/** Writes to stdout, waiting when its buffer is full (an export of millions of lines into a pipe). */
export function writer(stream = process.stdout) {
  return (text) => (stream.write(text) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', resolve)));
}

/** The database URL without its password, for messages. */
export function safeUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export async function withDb(ctx, fn) {
  const db = new ctx.libs.pg.Client({ connectionString: ctx.config.DATABASE_URL });
  // A connection dropped under a long export must fail its query, never crash the process unhandled.
  db.on('error', () => undefined);
  try {
    await db.connect();
  } catch (err) {
    throw new Failure(`cannot connect to PostgreSQL at ${safeUrl(ctx.config.DATABASE_URL)}: ${err.message}`);
  }
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** One REPEATABLE READ READ ONLY transaction: every query sees the same moment of the database. */
export async function readSnapshot(db, fn) {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const out = await fn();
    await db.query('COMMIT');
    return out;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** A world the domain knows (its map), else bad input naming the known ones. */
export function knownWorld(ctx, worldId) {
  const map = ctx.libs.domain.getWorld(worldId);
  if (!map) throw new UsageError(`unknown world: ${worldId} (worlds: ${[...ctx.libs.domain.WORLDS.keys()].join(', ')})`);
  return map;
}
