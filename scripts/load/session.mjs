// One harness player: its socket, where it is in the world, and the intents it awaits answers to.

/** A setup step failed for a reason the report names as is (e.g. `HTTP 503 CAPACITY_EXCEEDED`). */
export class SetupError extends Error {}

export class Session {
  /** base: the URL of the server this session talks to (one of `--url`'s). */
  constructor(idx, base = null) {
    this.idx = idx;
    this.base = base;
    this.ws = null;
    this.playerId = null;
    this.accessToken = null;
    this.characterId = null;
    this.worldId = null;
    this.lastSeq = null;
    this.intentSeq = 0;
    /** intentSeq -> { t, worldId } */
    this.pending = new Map();
    this.live = false;
    this.failed = false;
    this.closed = false;
    this.closedByHarness = false;
    this.gotHandshake = false;
    this.gotFull = false;
    /** Set while the socket is being set up: the handshake ack and the first full delta have arrived. */
    this.onReady = null;
    /** Set while the socket is being set up: it closed or the server refused the protocol version. */
    this.onSetupFail = null;
    this.frames = 0;
    this.driveFrames = 0;
    /** The next send's timer during the drive. */
    this.timer = null;
  }
}
