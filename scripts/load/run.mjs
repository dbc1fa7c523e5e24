// The state of one load run, in one object that every part of the harness is handed: the options,
// the clock, the sessions, the phase and every counter of the report. Nothing lives at module level,
// so tests can make as many runs as they like, with their own clock and dice.

import { performance } from 'node:perf_hooks';
import { Histogram } from './histogram.mjs';
import { Session } from './session.mjs';

export const PROTOCOL_VERSION = '1.0.0';
export const CLIENT_VERSION = '1.0.0';

/** opts: parseOptions' result. now: a monotonic clock in ms; random: [0, 1) dice for the intents. */
export function createRun(opts, { now = () => performance.now(), random = Math.random } = {}) {
  const bases = (opts.urls ?? [opts.url]).map((u) => new URL(u));
  return {
    opts,
    /** The first URL; each session has its own (`--url a,b`: round robin, see sessionBase). */
    base: bases[0],
    bases,
    setupTimeoutMs: opts.setupTimeout * 1000,
    now,
    random,
    sessions: Array.from({ length: opts.sessions }, (_, i) => new Session(i, sessionBase(bases, i))),
    phase: 'setup', // setup -> drive -> grace -> closing -> done
    stopping: false, // an interrupt: stop sending, close and report
    interrupted: false,
    lastFrameAt: 0,
    /** Resolvers of the harness's sleeps, so that an interrupt wakes them all. */
    sleepers: new Set(),
    peakRss: process.memoryUsage().rss,
    /** Sets each new character's home world (`--worlds`); made and closed by runLoad. */
    placer: null,
    times: { startedAt: new Date(), setupEndedAt: null, driveStartedAt: null, driveEndedAt: null, measureEndedAt: null, endedAt: null },
    mono: { start: now(), setupEnd: 0, driveStart: 0, driveEnd: 0, measureEnd: 0 },
    setup: {
      attempted: 0,
      live: 0,
      failed: 0,
      failuresByReason: {},
      latency: { guest: new Histogram(), bootstrap: new Histogram(), websocket: new Histogram(), total: new Histogram() },
    },
    intents: {
      sent: 0,
      sentByType: { move: 0, chat: 0 },
      skippedNotOpen: 0,
      skippedBackpressure: 0,
      acked: 0,
      ackByStatus: { applied: 0, rejected: 0, duplicate: 0 },
      rejectedByCode: {},
      duplicateByOriginalStatus: {},
      /** Intents answered by `event.error` (carrying their intentSeq) instead of an ack. */
      answeredByError: 0,
      answeredByErrorCode: {},
      acksAfterGrace: 0,
      unknownAcks: 0,
      appliedWithoutSeq: 0,
      /** Applied acks whose seq could not be attributed (world changed, e.g. a portal, or two intents named one seq). */
      unattributedSeqs: 0,
      seqCollisions: 0,
    },
    latency: { ack: new Histogram(), ackApplied: new Histogram(), ackRejected: new Histogram(), delta: new Histogram() },
    deltas: {
      frames: 0,
      fullFrames: 0,
      changes: 0,
      gaps: 0,
      gapKinds: { missed: 0, overlap: 0, stale: 0 },
      beforeFullSnapshot: 0,
      otherWorld: 0,
      worldSwitches: 0,
      // Below, an arrival is one (covered seq, receiving client) pair.
      seqArrivals: 0,
      ownSeqArrivals: 0,
      resolvedAfterAck: 0,
      unmatchedArrivals: 0,
      ambiguousArrivals: 0,
      coverageTruncated: 0,
    },
    /** Counted only while phase === 'drive', for rates. */
    drive: { sent: 0, acks: 0, frames: 0, changes: 0, deltaSamples: 0 },
    errors: {
      eventErrorByCode: {},
      closesByCode: {},
      closesDuringDrive: 0,
      sessionTerminatedByReason: {},
      degraded: {},
      versionMismatch: 0,
      malformedFrames: 0,
      socketErrors: {},
      unknownMessageTypes: {},
    },
    /** worldId -> { sent: Map<seq, {t, sender, at}>, pending: Map<seq, [firstArrival, receiver, t, receiver, t, ...]> } */
    worlds: new Map(),
  };
}

/** Session i's server: the URLs round robin. */
export const sessionBase = (bases, i) => bases[i % bases.length];

/** ws: or wss: for a server's http: or https: URL. */
export const wsProtocolOf = (base) => (base.protocol === 'https:' ? 'wss:' : 'ws:');

export const inc = (obj, key, n = 1) => {
  obj[key] = (obj[key] ?? 0) + n;
};

/** Latency is measured during the drive and the grace after it. */
export const measuring = (run) => run.phase === 'drive' || run.phase === 'grace';

/** The seq bookkeeping of one world, made on first use. */
export function worldOf(run, id) {
  let w = run.worlds.get(id);
  if (w === undefined) {
    w = { sent: new Map(), pending: new Map() };
    run.worlds.set(id, w);
  }
  return w;
}
