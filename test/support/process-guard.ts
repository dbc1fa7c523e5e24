import { stopFlows } from './intent-flow';
import { stopAll } from './processes';

// A root-level afterAll (setupFilesAfterEnv): it runs after the afterAll hooks of the file's describe
// blocks, so a suite still stops its apps in its own order, and this stops whatever a failed or
// forgetful test left running (a standby started mid-test, a process whose start timed out).
afterAll(async () => {
  stopFlows();
  const left = await stopAll();
  if (left.length) process.stderr.write(`process-guard: stopped ${left.length} process(es) the tests left running: ${left.join(', ')}\n`);
}, 20_000);
