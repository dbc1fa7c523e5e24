import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { api } from '../support/client';
import { eventually } from '../support/eventually';
import { spawnTracked } from '../support/processes';
import { freePort, runEnv } from '../support/system';

/**
 * `npm start`'s launcher (scripts/start.mjs, without its services and build steps: both are done
 * for the test run) keeps the system up: an app killed with SIGKILL is started again and the
 * launcher says so, while the others run on; Ctrl-C then stops everything.
 */
describe('npm start supervises the apps', () => {
  let launcher: ChildProcess;
  let out = '';
  let port = 0;
  const exited = () => launcher.exitCode !== null || launcher.signalCode !== null;

  /** Each app's pids, in the order they said they were ready. */
  function readyPids(app: string): number[] {
    const pids: number[] = [];
    for (const line of out.split('\n')) {
      if (!line.startsWith(`[${app}] `) || !line.includes(`"${app} ready"`)) continue;
      const m = /"pid":(\d+)/.exec(line);
      if (m) pids.push(Number(m[1]));
    }
    return pids;
  }

  beforeAll(async () => {
    port = await freePort();
    launcher = spawnTracked('start.mjs', process.execPath, [join(__dirname, '..', '..', 'scripts', 'start.mjs'), '--no-services', '--no-build'], {
      env: runEnv({ PORT: String(port), HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    launcher.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    // The launcher's own words are what is under test here: it says when all three are up.
    await eventually(
      'start.mjs to say "TileMUD is up"',
      () => out.includes('TileMUD is up') || exited(),
      90_000,
      () => out.slice(-4000),
    );
    if (exited()) throw new Error(`start.mjs exited while coming up:\n${out.slice(-4000)}`);
  }, 120_000);

  afterAll(async () => {
    // The registry (process-guard) stops it too if a test failed before the Ctrl-C below.
    if (launcher && !exited()) launcher.kill('SIGINT');
  });

  it('restarts an app killed with SIGKILL, says so, and leaves the others running', async () => {
    const [sequencer] = readyPids('sequencer');
    const [gateway] = readyPids('gateway');
    expect(sequencer).toBeDefined();
    process.kill(sequencer!, 'SIGKILL');
    await eventually(
      'start.mjs to say the restarted sequencer is ready',
      () => readyPids('sequencer').length === 2,
      60_000,
      () => out.slice(-3000),
    );
    expect(out).toMatch(/\[start\] sequencer exited unexpectedly \(signal SIGKILL\) after [\d.]+ s; restarting it in [\d.]+ s \(attempt 1\)/);
    expect(out).toContain('[start] restarting sequencer');
    expect(readyPids('sequencer')[1]).not.toBe(sequencer);
    // The others were left alone: the same gateway serves, and nothing stopped.
    expect(readyPids('gateway')).toEqual([gateway]);
    expect(out).not.toContain('stopping sequencer, projector, gateway');
    expect((await api(`http://127.0.0.1:${port}`, 'GET', '/api/health')).status).toBe(200);
  }, 90_000);

  it('Ctrl-C still stops everything', async () => {
    const pids = ['sequencer', 'projector', 'gateway'].map((a) => readyPids(a).at(-1)!);
    launcher.kill('SIGINT');
    await eventually('start.mjs to exit after Ctrl-C', exited, 30_000, () => out.slice(-3000));
    expect(launcher.exitCode).toBe(0);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 60_000);
});
