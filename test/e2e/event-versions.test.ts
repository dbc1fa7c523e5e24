import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from 'pg';
import { changesOf, joinPlayer, TestClient } from '../support/client';
import { db } from '../support/db';
import { eventually } from '../support/eventually';
import { runEnv, TestSystem } from '../support/system';

const ROOT = join(__dirname, '..', '..');

interface OpsState {
  characters: { id: string; x: number; y: number; facing: string }[];
  chat: { from: { id: string; name: string }; text: string }[];
}

/** `npm run ops -- state --json` for a world at a seq, as an operator runs it. */
function opsState(worldId: string, atSeq: number): Promise<OpsState> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [join(ROOT, 'scripts', 'ops.mjs'), 'state', '--world', worldId, '--at-seq', String(atSeq), '--json'], { env: runEnv(), cwd: ROOT }, (err, stdout, stderr) =>
      err ? reject(new Error(`ops state failed: ${stderr}`)) : resolve(JSON.parse(stdout) as OpsState),
    ),
  );
}

const STEPS = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] } as const;

/**
 * A log written by an older build: events of an older schema version (a move without `facing`, a
 * chat line without `channel`), read through the domain's upcasters by the sequencer's fold, the
 * EVENTS stream (republished from the log), the projector's read models and the clients' deltas.
 */
describe("event versions: an older event is read as today's everywhere", () => {
  const system = new TestSystem();
  let pg: Client;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    await system.start();
    pg = await db();
    a = await joinPlayer(system);
    b = await joinPlayer(system);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await system.stop();
    await pg?.end();
  });

  it("appends today's events with today's versions", async () => {
    const ack = await a.move(a.freeDirection());
    const { rows } = await pg.query('SELECT type, version FROM action_events WHERE world_id = $1 AND seq = $2', [a.worldId, ack.seq]);
    expect(rows).toEqual([{ type: 'character.moved', version: 2 }]);
  });

  it('folds, publishes, projects and delivers a version 1 move and chat line written while the sequencer was down', async () => {
    await system.apps.sequencer.stop();
    const worldId = a.worldId;
    const head = Number((await pg.query<{ head: string }>('SELECT max(seq) AS head FROM action_events WHERE world_id = $1', [worldId])).rows[0]?.head);
    const [dx, dy] = STEPS[a.freeDirection()];
    const to = { x: a.me.x + dx, y: a.me.y + dy };
    const at = new Date().toISOString();
    // As an older build wrote them: version 1 shapes, no intent (an operator's import, say).
    await pg.query(
      `INSERT INTO action_events (world_id, seq, character_id, type, payload, recorded_at, version) VALUES
         ($1, $2, $3, 'character.moved', $4, $6, 1), ($1, $2 + 1, $3, 'chat.posted', $5, $6, 1)`,
      [worldId, head + 1, a.characterId, { characterId: a.characterId, ...to }, { messageId: `${a.characterId}:v1`, characterId: a.characterId, name: 'Old', text: 'written by v1', at }, at],
    );
    await system.apps.sequencer.start();

    // The other player sees the move (republished from the log, in today's shape) and the line.
    const moved = await b.waitForType('event.state_delta', (m) => changesOf(m, 'character.moved').some((c) => c.id === a.characterId && c.x === to.x && c.y === to.y), 20_000);
    expect(changesOf(moved, 'character.moved').find((c) => c.id === a.characterId)).toMatchObject({ facing: 'south' });
    const said = await b.waitForType('event.state_delta', (m) => changesOf(m, 'chat.message').some((c) => c.message.text === 'written by v1'), 20_000);
    expect(changesOf(said, 'chat.message')[0]?.message).toMatchObject({ from: { id: a.characterId, name: 'Old' }, text: 'written by v1' });

    // The projector's read models hold them as today's.
    await eventually(
      'the read models at the new head',
      async () => {
        const { rows } = await pg.query<{ x: number; y: number; facing: string }>('SELECT x, y, facing FROM rm_characters WHERE id = $1', [a.characterId]);
        return rows[0]?.x === to.x && rows[0]?.y === to.y ? rows[0] : undefined;
      },
      20_000,
    ).then((row) => expect(row?.facing).toBe('south'));
    const chat = await pg.query('SELECT seq::int FROM rm_chat WHERE text = $1', ['written by v1']);
    expect(chat.rows).toEqual([{ seq: head + 2 }]);

    // The operator's `state` at that seq reads them the same way.
    const state = await opsState(worldId, head + 2);
    expect(state.characters.find((c) => c.id === a.characterId)).toMatchObject({ ...to, facing: 'south' });
    expect(state.chat.at(-1)).toMatchObject({ from: { id: a.characterId, name: 'Old' }, text: 'written by v1' });

    // The sequencer's fold has the character where the old move put it: the next move starts there.
    const ack = await a.move(a.freeDirection());
    expect(ack.status).toBe('applied');
    const { rows } = await pg.query<{ payload: { x: number; y: number } }>('SELECT payload FROM action_events WHERE world_id = $1 AND seq = $2', [worldId, ack.seq]);
    expect(rows).toHaveLength(1);
    const next = rows[0]!.payload;
    expect(Math.abs(next.x - to.x) + Math.abs(next.y - to.y)).toBe(1);
  }, 90_000);
});
