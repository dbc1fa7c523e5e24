#!/usr/bin/env node
// The operator command: `npm run ops -- <command> [flags]` (or `node scripts/ops.mjs …`), run
// against the deployment the environment names (DATABASE_URL, NATS_URL, NATS_PREFIX, … read as the
// apps read them). Needs `npm run build` first. `npm run ops -- <command> --help` says more.
// Each command is a module of scripts/ops/ (see cli.mjs for the shape); docs/operations.md,
// "The operator command", shows each one with its output.
//
// Exit codes: 0 done, 1 failed or found a problem (verify), 2 bad input, 78 bad environment.
import { deadLetters } from './ops/dead-letters.mjs';
import { eventsCommand } from './ops/events.mjs';
import { exportCommand } from './ops/export.mjs';
import { importCommand } from './ops/import.mjs';
import { helpText, loadLibs, parseFlags, UsageError } from './ops/cli.mjs';
import { rebuildCommand } from './ops/rebuild.mjs';
import { republishCommand } from './ops/republish.mjs';
import { grantRoleCommand, minClientVersionCommand, revokeRoleCommand } from './ops/settings.mjs';
import { stateCommand } from './ops/state.mjs';
import { verifyCommand } from './ops/verify.mjs';

const DEADLETTERS_USAGE = `usage:
  npm run ops -- deadletters list [--json]   events the projector parked instead of applying
  npm run ops -- deadletters retry <id>      publish one again; the projector applies it or parks it again
  npm run ops -- deadletters drop <id>       forget one`;

/** deadletters parses its own subcommands; the dispatcher only gives it --help. */
const deadLettersCommand = {
  name: 'deadletters',
  usage: 'deadletters list|retry <id>|drop <id>',
  summary: 'Events the projector parked instead of applying: list them, publish one again, or drop one.',
  raw: true,
  help: DEADLETTERS_USAGE,
  run: (ctx, args) => deadLetters(ctx.libs, ctx.config, args, DEADLETTERS_USAGE),
};

const COMMANDS = [
  eventsCommand,
  stateCommand,
  verifyCommand,
  exportCommand,
  importCommand,
  republishCommand,
  rebuildCommand,
  deadLettersCommand,
  minClientVersionCommand,
  grantRoleCommand,
  revokeRoleCommand,
];

function overview() {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: npm run ops -- <command> [flags]      (node scripts/ops.mjs <command> [flags])',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Every command takes --help, --json and --progress. The environment is the apps' (DATABASE_URL, NATS_URL, NATS_PREFIX).",
  ].join('\n');
}

async function main() {
  const [name, ...argv] = process.argv.slice(2);
  if (!name) throw new UsageError(`no command given\n\n${overview()}`);
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command: ${name}\n\n${overview()}`);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(command.raw ? command.help : helpText(command));
    return;
  }
  const parsed = command.raw ? undefined : parseFlags(command, argv);
  const libs = loadLibs();
  let config;
  try {
    config = libs.runtime.loadConfig(libs.runtime.BaseConfigSchema, process.env);
  } catch (err) {
    err.exitCode = libs.runtime.CONFIG_EXIT_CODE;
    throw err;
  }
  const ctx = { libs, config };
  const out = command.raw ? await command.run(ctx, argv) : await command.run(ctx, parsed.opts, parsed.args);
  if (typeof out === 'string') console.log(out);
  else if (typeof out === 'number') process.exitCode = out;
}

main().catch((err) => {
  const hint = err instanceof UsageError && !/\n/.test(err.message) ? ` (npm run ops -- ${process.argv[2] ?? ''} --help)` : '';
  console.error(`ops: ${err.message}${hint}`);
  process.exitCode = err.exitCode ?? 1;
});
