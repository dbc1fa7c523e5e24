import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * Every child process a test starts goes through here, so none outlives its test file whatever
 * the outcome: `process-guard.ts` (jest's setupFilesAfterEnv) stops them all in an afterAll that
 * runs after the file's own, and the exit hook below SIGKILLs whatever is left if the worker
 * process ends some other way. A forgotten child keeps its stdio pipes open, and jest with them.
 */
const live = new Map<ChildProcess, string>();

export function spawnTracked(label: string, command: string, args: string[], opts: SpawnOptions): ChildProcess {
  const proc = spawn(command, args, opts);
  live.set(proc, label);
  proc.once('exit', () => live.delete(proc));
  proc.once('error', () => live.delete(proc));
  return proc;
}

export function liveProcesses(): string[] {
  return [...live.values()];
}

/** SIGTERM to each still running, SIGKILL to those not gone after `graceMs`; resolves when all exited. */
export async function stopAll(graceMs = 5000): Promise<string[]> {
  const left = [...live.entries()];
  await Promise.all(
    left.map(([proc]) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      return gone.finally(() => clearTimeout(timer));
    }),
  );
  return left.map(([, label]) => label);
}

process.once('exit', () => {
  for (const proc of live.keys()) proc.kill('SIGKILL');
});
