import { z } from 'zod';
import { DEFAULT_DOOR_LIMITS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RATE_LIMITS, RateLimit } from '@tilemud/contracts';
import { BaseConfigSchema, intFromEnv } from '@tilemud/runtime';
import { KeyListJsonSchema } from './auth/key-ring';
import { DEFAULT_SCRAPE_TARGETS, ScrapeTargetsSchema } from './admin/scrape-targets';

/** `<count>/<window ms>`, e.g. `5/10000`: a token bucket of `count` refilled over the window. `0/…` turns it off. */
const rateFromEnv = (def: RateLimit) =>
  z
    .string()
    .regex(/^\d{1,7}\/\d{1,9}$/, 'expected <count>/<window ms>, e.g. 5/10000')
    .transform((v): RateLimit => {
      const [limit, windowMs] = v.split('/').map(Number) as [number, number];
      return { limit, windowMs: Math.max(1, windowMs) };
    })
    .default({ limit: def.limit, windowMs: def.windowMs });

const emptyAsUnset = (v: unknown) => (v === '' ? undefined : v);

export const GatewayConfigSchema = BaseConfigSchema.extend({
  PORT: intFromEnv(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  /** Names this instance's ack subject; unique per running gateway. */
  GATEWAY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /**
   * HS256 key for access tokens, at least 32 characters. Unset (or empty, as a blank line in an env
   * file leaves it): AUTH_KEYS, else the key file below.
   */
  AUTH_SECRET: z.preprocess(emptyAsUnset, z.string().min(32).optional()),
  /**
   * Signing keys with ids, newest first: `[{"kid":"2026-12","secret":"…"},{"kid":"2026-11","secret":"…"}]`.
   * The first that is not `retired` signs; the others are still accepted. Takes precedence over AUTH_SECRET.
   */
  AUTH_KEYS: z.preprocess(emptyAsUnset, KeyListJsonSchema.optional()),
  /** Without AUTH_KEYS or AUTH_SECRET: the key list in this file, made with one random key if missing. */
  AUTH_KEY_FILE: z.string().min(1).default('.data/auth-keys.json'),
  ACCESS_TOKEN_TTL_S: intFromEnv(900, 1, 86_400),
  /** A refresh token (single use, each exchange gives a new one) expires this long after it was issued. */
  REFRESH_TOKEN_TTL_S: intFromEnv(30 * 86_400, 60, 400 * 86_400),
  /** A WebSocket ticket is single use and expires after this (the contract allows at most 90 s). */
  TICKET_TTL_S: intFromEnv(60, 1, 90),
  /** scrypt cost for new password hashes, as log2 N (N = 2^15 uses 32 MiB); stored with each hash. */
  SCRYPT_LOG_N: intFromEnv(15, 10, 20),
  /**
   * Password hashes computed at once (each holds one thread of libuv's pool for ~0.1 s); must be
   * below UV_THREADPOOL_SIZE so that file reads and DNS lookups never wait behind a burst of logins.
   */
  PASSWORD_HASH_CONCURRENCY: intFromEnv(2, 1, 64),
  /** Hashes that may wait for a thread; beyond that login and register answer 503 CAPACITY_EXCEEDED with retryAfterMs. */
  PASSWORD_HASH_QUEUE: intFromEnv(16, 0, 10_000),
  /** Read by libuv itself (its thread pool, default 4); the gateway only checks the hashing limit against it. */
  UV_THREADPOOL_SIZE: intFromEnv(4, 1, 1024),
  /** Express `trust proxy`: unset = the socket's address is the client's; a hop count or `true` behind a load balancer. */
  TRUST_PROXY: z.string().optional(),
  MIN_CLIENT_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/)
    .default('1.0.0'),
  HEARTBEAT_INTERVAL_MS: intFromEnv(15_000, 1000, 300_000),
  /** After a socket drops, its character stays in the world and its resume token stays valid this long. */
  RESUME_WINDOW_MS: intFromEnv(60_000, 0, 3_600_000),
  /** Most missed events a resume or resync replays; further behind, the client gets a full snapshot. */
  RESUME_MAX_REPLAY_EVENTS: intFromEnv(5000, 0, 1_000_000),
  /** How often the gateway checks PostgreSQL, Redis and NATS (each change is told to every client). */
  DEPENDENCY_CHECK_INTERVAL_MS: intFromEnv(1000, 100, 60_000),
  /** Longest a snapshot waits for the read model to reach the log's head before it is built from the log. */
  FRESHNESS_WAIT_MS: intFromEnv(1500, 0, 60_000),
  /** Redis key prefix; defaults to NATS_PREFIX. */
  REDIS_PREFIX: z.string().optional(),
  /** Shortest gap between two delta frames to one world's clients; deltas in between are merged. */
  FANOUT_INTERVAL_MS: intFromEnv(10, 0, 1000),
  /**
   * Most delta frame writes per second to sockets, over all this gateway's worlds: when the writes
   * the frames need at FANOUT_INTERVAL_MS would exceed it, the interval grows as far as needed.
   */
  FANOUT_MAX_SENDS_PER_S: intFromEnv(10_000, 100, 1_000_000),
  /**
   * A client with an area of interest whose share of the world's frames has been empty this long
   * gets a seq-only frame (its frames are otherwise skipped when they hold nothing for it).
   */
  FANOUT_IDLE_FRAME_MS: intFromEnv(1000, 10, 60_000),
  /**
   * Area of interest: a client gets the changes of characters within this many tiles (Chebyshev)
   * of its own, plus the world-wide ones (chat, items); 0 (the default) = every change of the world
   * to everyone. Opt-in: each client's lens holds its own copy of the world's characters, so memory
   * grows with sessions × characters per world, and on the maps of today the lenses cost the
   * gateway more than the bytes they save (docs/performance.md, "Area of interest on or off").
   */
  AOI_RADIUS: intFromEnv(0, 0, 1000),
  /** A character in view stays in view until it is this much beyond AOI_RADIUS (no flicker at the edge). */
  AOI_MARGIN: intFromEnv(2, 0, 1000),
  /** A client with more than this many bytes unsent gets its deltas merged until it drains. */
  FANOUT_SLOW_CLIENT_BYTES: intFromEnv(256 * 1024, 1024, 64 * 1024 * 1024),
  /**
   * Bytes queued on one socket (unsent: the client is not reading) beyond which the socket is
   * closed 4503 and its session enters the resume window. Deltas stop being written well before
   * (FANOUT_SLOW_CLIENT_BYTES); what fills it is replies to a client that sends but never reads.
   */
  SEND_BUDGET_BYTES: intFromEnv(1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
  /**
   * A connection must complete its first request's headers (or its WebSocket upgrade) this soon,
   * or it is cut; later requests on a kept-alive connection get Node's 408 after the same time.
   */
  HTTP_HEADERS_TIMEOUT_MS: intFromEnv(5000, 500, 120_000),
  /** Longest a whole HTTP request (headers and body) may take to arrive. */
  HTTP_REQUEST_TIMEOUT_MS: intFromEnv(30_000, 1000, 600_000),
  /**
   * Concurrent TCP connections (HTTP and WebSocket) one client address may hold; beyond it the
   * connection is answered 429 and closed. 0 turns it off. Connections from a TRUST_PROXY
   * address are not counted (a proxy is many clients).
   */
  MAX_CONNECTIONS_PER_ADDRESS: intFromEnv(64, 0, 1_000_000),
  /** How long the gateway waits for the sequencer to answer a join. */
  JOIN_TIMEOUT_MS: intFromEnv(10_000, 100, 120_000),
  /** Invalid or rate-limited frames within 10 s that close the socket with 4429. */
  MAX_INVALID_FRAMES: intFromEnv(20, 1, 10_000),
  /** A session with no intent for this long ends with `idle_timeout` (close 4408). */
  IDLE_TIMEOUT_MS: intFromEnv(DEFAULT_IDLE_TIMEOUT_MS, 500, 7 * 24 * 3_600_000),
  /** Most sockets this gateway holds; beyond it bootstrap answers 503 and a socket closes 4503. */
  MAX_SESSIONS: intFromEnv(10_000, 1, 1_000_000),
  /** Presence heartbeat interval; a crashed gateway's sessions are shown away after 2 missed beats and leave by the resume window plus one interval. */
  PRESENCE_INTERVAL_MS: intFromEnv(5000, 100, 60_000),
  RATE_LIMIT_CHAT: rateFromEnv(DEFAULT_RATE_LIMITS.chat),
  RATE_LIMIT_MOVE: rateFromEnv(DEFAULT_RATE_LIMITS.move),
  RATE_LIMIT_ACTION: rateFromEnv(DEFAULT_RATE_LIMITS.action),
  /** `ping` frames per character (a client pings every few seconds). */
  RATE_LIMIT_PING: rateFromEnv({ limit: 20, windowMs: 10_000 }),
  /** `resync` frames per character (each is answered with a replay or a full snapshot). */
  RATE_LIMIT_RESYNC: rateFromEnv({ limit: 5, windowMs: 10_000 }),
  RATE_LIMIT_LOGIN_USER: rateFromEnv(DEFAULT_DOOR_LIMITS.loginUser),
  RATE_LIMIT_LOGIN_ADDRESS: rateFromEnv(DEFAULT_DOOR_LIMITS.loginAddress),
  /** Failed logins on one name from all addresses beyond which addresses that have failed on it slow down. */
  RATE_LIMIT_LOGIN_USER_ALL: rateFromEnv({ limit: 50, windowMs: 15 * 60_000 }),
  RATE_LIMIT_GUEST_ADDRESS: rateFromEnv(DEFAULT_DOOR_LIMITS.guestAddress),
  RATE_LIMIT_REGISTER_ADDRESS: rateFromEnv(DEFAULT_DOOR_LIMITS.registerAddress),
  /** Token refreshes per address (a client refreshes about once per access-token lifetime). */
  RATE_LIMIT_REFRESH_ADDRESS: rateFromEnv({ limit: 60, windowMs: 60_000 }),
  /** Directory with the built browser client (served at /); unset = client/dist when it exists. */
  CLIENT_DIST: z.string().optional(),
  OTEL_TRACES_FILE: z.string().optional(),
  /** Events the projector may be behind the log (any world) before health says `projector_lagging`. */
  PROJECTOR_LAG_THRESHOLD: intFromEnv(500, 1, 100_000_000),
  /** How long the projector's checkpoint may stand still while behind the log before health says `projector_stalled`. */
  PROJECTOR_STALL_MS: intFromEnv(10_000, 500, 3_600_000),
  /** An intent of this gateway's waiting this long for its ack makes health say `intents_unanswered`. */
  INTENTS_UNANSWERED_MS: intFromEnv(2000, 100, 600_000),
  /** An intent never answered within this counts as an error (and against the SLO), and is no longer waited for. */
  INTENT_ANSWER_TIMEOUT_MS: intFromEnv(10_000, 500, 600_000),
  /** When set, `GET /metrics` asks for `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open (keep it off the public network). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Prometheus endpoints the operator page (GET /api/admin/overview) reads: `name=url,…`; `self` is this gateway's /metrics. */
  OPS_SCRAPE_TARGETS: z.string().default(DEFAULT_SCRAPE_TARGETS).pipe(ScrapeTargetsSchema),
  /** Time between two scrapes of the operator feed (the resolution of its charts); it scrapes only while someone watched in the last minute. */
  OPS_SCRAPE_INTERVAL_MS: intFromEnv(2000, 250, 60_000),
  /** How far back the operator page's charts go. */
  OPS_HISTORY_S: intFromEnv(300, 10, 3600),
  /** With nobody asking for the operator page this long, its feed stops scraping. */
  OPS_WATCH_TIMEOUT_MS: intFromEnv(60_000, 1000, 3_600_000),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
