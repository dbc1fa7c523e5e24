/**
 * Test-only fault injection: when TILEMUD_FAILPOINT names this point, the process dies on the
 * spot the way a kill -9 would (no cleanup, no flush). Production never sets it.
 *
 * `name@tag` fires only where the point is reached with that tag (e.g. a character id among the
 * batch's intents), so a test's failpoint is not spent on another player's commit.
 */
export function failpoint(active: string | undefined, name: string, tags: Iterable<string> = []): void {
  if (active && fires(active, name, tags)) process.kill(process.pid, 'SIGKILL');
}

export function fires(active: string, name: string, tags: Iterable<string> = []): boolean {
  const wanted = new Set(tags);
  return active.split(',').some((entry) => {
    const [point, tag] = entry.split('@', 2);
    return point === name && (tag === undefined || wanted.has(tag));
  });
}
