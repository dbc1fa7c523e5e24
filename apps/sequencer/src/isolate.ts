/**
 * Whether PostgreSQL refused an append because of what one row holds, rather than because it is
 * away (`isUnreachable`), memory is behind the log, or the code is wrong. Such a refusal names a
 * statement that did not commit, so memory is still right and nothing needs reloading; the intent
 * that caused it will be refused the same way every time, so it must be found and refused alone.
 *
 * - class 22, data exception: `\u0000` in jsonb (22P05), a lone surrogate (22P02), NUL in text
 *   (22021), a value out of range (22003), a string too long (22001)...
 * - class 23, integrity constraint violation, except a unique or exclusion violation: those say
 *   another writer or an earlier commit got there first (memory is behind), which a reload fixes.
 * - class 54, program limit exceeded: a row or value too big to store or index.
 */
export function isContentRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || code.length !== 5) return false;
  if (code === '23505' || code === '23P01') return false;
  return code.startsWith('22') || code.startsWith('23') || code.startsWith('54');
}

/** The log refused an append for its content: nothing of it committed. */
export class ContentRefusedError extends Error {
  readonly code = 'CONTENT_REFUSED';
  constructor(readonly pgError: Error & { code?: string }) {
    super(`the event log refused the append's content: ${pgError.message}`);
  }

  get sqlstate(): string | undefined {
    return this.pgError.code;
  }
}

/** What `commit` made of a part: committed, or refused by the log for its content (nothing of it committed). */
export type PartResult<R> = { ok: true } | { ok: false; reason: R };

/**
 * Commits a batch in order, so that no intent's content can refuse its neighbours. `commit` decides
 * and appends a part of the batch in one transaction. When the log refuses a part for its content,
 * the part is split in two and each half is tried in turn, down to the single item the log will
 * not take, which `refuseAlone` answers before the items after it are tried (so a character's later
 * intents are decided after its refused one). One culprit among n costs about 2·log2(n) extra
 * appends; any other failure of `commit` rejects at once.
 */
export async function commitIsolating<T, R>(batch: readonly T[], commit: (part: readonly T[]) => Promise<PartResult<R>>, refuseAlone: (item: T, reason: R) => Promise<void>): Promise<void> {
  if (batch.length === 0) return;
  const result = await commit(batch);
  if (result.ok) return;
  if (batch.length === 1) return refuseAlone(batch[0]!, result.reason);
  const mid = Math.ceil(batch.length / 2);
  await commitIsolating(batch.slice(0, mid), commit, refuseAlone);
  await commitIsolating(batch.slice(mid), commit, refuseAlone);
}
