// The `floor` job's server (a child process): the load harness's in-memory stand-in for the
// gateway (scripts/load/mock-server.mjs) set to do nothing but the protocol: every intent answered
// in the turn it arrives (no decision worth the name, no log, no fsync, no NATS), every change
// gathered into one frame per world every --frame-ms, encoded once and written to every socket.
// What the harness measures against it is what this machine and the harness alone cost.
//
//   node scripts/bench/floor-server.mjs --frame-ms 50      prints "floor ready <url>"

import { parseArgs } from 'node:util';
import { createMockServer } from '../load/mock-server.mjs';

const { values } = parseArgs({ options: { 'frame-ms': { type: 'string' } }, strict: true });
const frameMs = Number(values['frame-ms'] ?? 50);
if (!Number.isInteger(frameMs) || frameMs < 1 || frameMs > 10_000) {
  console.error(`--frame-ms must be an integer from 1 to 10000 (got ${JSON.stringify(values['frame-ms'])})`);
  process.exit(2);
}
const server = createMockServer({ rejectEvery: 0, deltaFirstEvery: 0, commitDelayMs: 0, frameMs });
const url = await server.listen(0);
console.log(`floor ready ${url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
