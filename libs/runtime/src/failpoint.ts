/**
 * Test-only fault injection: when TILEMUD_FAILPOINT names this point, the process dies on the
 * spot the way a kill -9 would (no cleanup, no flush). Production never sets it.
 */
export function failpoint(active: string | undefined, name: string): void {
  if (active && active.split(',').includes(name)) {
    process.kill(process.pid, 'SIGKILL');
  }
}
