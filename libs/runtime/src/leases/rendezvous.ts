import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest random weight) hashing: each world goes to the member whose hash with it is
 * highest. Every member computes the same answer from the same member list, with no coordination,
 * and a member joining or leaving moves only the worlds it wins or held (about 1/n of them).
 */
export function ownerOf(worldId: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const m of members) {
    const score = weight(worldId, m);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/** The worlds of `worlds` that `member` should own among `members` (none when it is not one of them). */
export function worldsOf(member: string, worlds: readonly string[], members: readonly string[]): string[] {
  if (!members.includes(member)) return [];
  return worlds.filter((w) => ownerOf(w, members) === member);
}

function weight(worldId: string, member: string): bigint {
  return createHash('sha256').update(member).update('\0').update(worldId).digest().readBigUInt64BE(0);
}
