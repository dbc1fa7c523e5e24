import type { Client } from 'pg';
import type { DrillPlayer } from './drill';

const longest = (times: number[]): number => {
  const at = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 1; i < at.length; i++) worst = Math.max(worst, at[i]! - at[i - 1]!);
  return worst / 1000;
};

/**
 * Per world, the longest time between two consecutive `applied` answers to the drill players'
 * intents (the world of each from the log: a player may have crossed a portal) within
 * [from, to] (Date.now() times). A world standing still shows here as its owner's absence.
 */
export async function longestAckGapByWorld(pg: Client, players: DrillPlayer[], from: number, to: number): Promise<Record<string, number>> {
  const { rows } = await pg.query<{ character_id: string; intent_seq: string; world_id: string }>(
    `SELECT character_id, intent_seq, world_id FROM action_events WHERE character_id = ANY($1::uuid[]) AND intent_seq IS NOT NULL AND event_index = 0`,
    [players.map((p) => p.characterId)],
  );
  const worldOf = new Map(rows.map((r) => [`${r.character_id}:${r.intent_seq}`, r.world_id]));
  const byWorld = new Map<string, number[]>();
  for (const p of players)
    for (const [intentSeq, a] of p.answers) {
      const w = worldOf.get(`${p.characterId}:${intentSeq}`);
      if (a.status !== 'applied' || !w || a.at < from || a.at > to) continue;
      byWorld.set(w, [...(byWorld.get(w) ?? []), a.at]);
    }
  return Object.fromEntries([...byWorld].sort(([a], [b]) => a.localeCompare(b)).map(([w, t]) => [w, longest(t)]));
}

/** Per world, the longest time between two consecutive events of its log (`recorded_at`, the sequencer's clock) within [from, to]. */
export async function longestLogGapByWorld(pg: Client, from: number, to: number): Promise<Record<string, number>> {
  const { rows } = await pg.query<{ world_id: string; gap: number | null }>(
    `SELECT world_id, extract(epoch FROM max(recorded_at - prev))::float8 AS gap FROM (
       SELECT world_id, recorded_at, lag(recorded_at) OVER (PARTITION BY world_id ORDER BY seq) AS prev
         FROM action_events WHERE recorded_at BETWEEN $1 AND $2) e
      GROUP BY world_id ORDER BY world_id`,
    [new Date(from), new Date(to)],
  );
  return Object.fromEntries(rows.map((r) => [r.world_id, Math.round((r.gap ?? 0) * 1000) / 1000]));
}

/**
 * Per world, the longest time between two deltas reaching any of its drill players within
 * [from, to]; a player counts in the world the log last put one of its intents in (a player
 * placed in the lobby or the meadow may have walked through a portal).
 */
export async function longestDeltaGapByWorld(pg: Client, players: DrillPlayer[], from: number, to: number): Promise<Record<string, number>> {
  const { rows } = await pg.query<{ character_id: string; world_id: string }>(
    `SELECT DISTINCT ON (character_id) character_id, world_id FROM action_events
      WHERE character_id = ANY($1::uuid[]) AND intent_seq IS NOT NULL ORDER BY character_id, recorded_at DESC`,
    [players.map((p) => p.characterId)],
  );
  const worldOf = new Map(rows.map((r) => [r.character_id, r.world_id]));
  const byWorld = new Map<string, number[]>();
  for (const p of players) {
    const w = worldOf.get(p.characterId);
    if (w) byWorld.set(w, [...(byWorld.get(w) ?? []), ...p.deltaTimes.filter((t) => t >= from && t <= to)]);
  }
  return Object.fromEntries([...byWorld].sort(([a], [b]) => a.localeCompare(b)).map(([w, t]) => [w, longest(t)]));
}
