import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH } from './limits';
import { CharacterSchema, PlayerSchema, SnapshotSchema, WorldSummarySchema } from './model';
import { wellFormedString } from './text';
import { SemverStringSchema } from './version';

/** REST paths, all under `/api`. `:worldId` and `:id` are path parameters. */
export const ApiRoute = {
  REGISTER: '/api/auth/register',
  LOGIN: '/api/auth/login',
  GUEST: '/api/auth/guest',
  /** Addition: a refresh token for a new token pair. */
  REFRESH: '/api/auth/refresh',
  /** Addition: a guest (Bearer) becomes a registered account, same player id. */
  UPGRADE: '/api/auth/upgrade',
  BOOTSTRAP: '/api/session/bootstrap',
  TICKET: '/api/session/ticket',
  LOGOUT: '/api/session/logout',
  HEALTH: '/api/health',
  VERSION: '/api/version',
  WORLD_SNAPSHOT: '/api/worlds/:worldId/snapshot',
  CHARACTER: '/api/characters/:id',
  /** Addition: operator-only (role `admin`), raises the oldest accepted client at runtime. */
  ADMIN_MIN_CLIENT_VERSION: '/api/admin/min-client-version',
  /** Addition: operator-only (role `admin`), the operator page's figures and their recent history (operator.ts). */
  ADMIN_OVERVIEW: '/api/admin/overview',
  /** Addition: operator-only, each world's log head, lag and dead letters (time-travel.ts). */
  ADMIN_WORLDS: '/api/admin/worlds',
  /** Addition: operator-only, a world's map. */
  ADMIN_WORLD_MAP: '/api/admin/worlds/:worldId/map',
  /** Addition: operator-only, a world as it stood at `?atSeq=N`. */
  ADMIN_WORLD_STATE: '/api/admin/worlds/:worldId/state',
  /** Addition: operator-only, a world's logged events `?from=A&to=B`. */
  ADMIN_WORLD_EVENTS: '/api/admin/worlds/:worldId/events',
} as const;
export type ApiRoute = (typeof ApiRoute)[keyof typeof ApiRoute];

export const UsernameSchema = wellFormedString('line')
  .min(USERNAME_MIN_LENGTH)
  .max(USERNAME_MAX_LENGTH)
  .regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only');

/** Any characters but a lone surrogate, NUL or a control other than tab and line breaks (hashed as UTF-8, never stored as given). */
export const PasswordSchema = wellFormedString('text').min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);

/** `POST /api/auth/register` → 201 AuthResponse; 400, 409 USERNAME_TAKEN. */
export const RegisterRequestSchema = z.object({
  username: UsernameSchema,
  password: PasswordSchema,
});
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

/**
 * `POST /api/auth/login` → 200 AuthResponse; 401 INVALID_CREDENTIALS, 429.
 * Only bounded, not pattern-checked: a malformed name is just a wrong credential.
 */
export const LoginRequestSchema = z.object({
  username: wellFormedString('line').min(1).max(USERNAME_MAX_LENGTH),
  // Not checked beyond its length: a password chosen before the rule must still sign in, and it is
  // only hashed, never stored or echoed.
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** Answer of register, login and guest (`POST /api/auth/guest`, no body). */
export const AuthResponseSchema = z.object({
  accessToken: z.string().min(1),
  tokenType: z.literal('Bearer'),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int().positive(),
  player: PlayerSchema,
  /**
   * Addition: an opaque, single-use token that `POST /api/auth/refresh` exchanges for a new pair
   * (the old one is then spent). Optional so that answers of older servers still parse.
   */
  refreshToken: z.string().min(1).optional(),
  /** Addition: seconds until the refresh token expires, unused. */
  refreshExpiresIn: z.number().int().positive().optional(),
});
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

/**
 * Addition: `POST /api/auth/refresh` → 200 AuthResponse with a new `refreshToken`; 401
 * AUTH_INVALID_TOKEN (unknown, expired or revoked), 401 AUTH_REFRESH_REUSED (spent before: the
 * family is revoked), 429. Bounded only: a malformed token is just an unknown one.
 */
export const RefreshRequestSchema = z.object({
  refreshToken: wellFormedString('line').min(1).max(512),
});
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;

/**
 * Addition: `POST /api/auth/upgrade` (Bearer, a guest) → 200 AuthResponse for the same player id,
 * now registered under this name; 400, 401, 409 USERNAME_TAKEN, 409 NOT_A_GUEST, 429.
 */
export const UpgradeRequestSchema = RegisterRequestSchema;
export type UpgradeRequest = z.infer<typeof UpgradeRequestSchema>;

/** `POST /api/session/bootstrap` (Bearer) → 200; 401, 426 VERSION_MISMATCH, 503 CAPACITY_EXCEEDED. */
export const BootstrapRequestSchema = z.object({
  clientVersion: wellFormedString('line').min(1).max(256),
});
export type BootstrapRequest = z.infer<typeof BootstrapRequestSchema>;

/** Where and with what to open the WebSocket: `${path}?ticket=${ticket}`. */
export const WsTicketInfoSchema = z.object({
  path: z.string().startsWith('/'),
  ticket: z.string().min(1),
  /** Seconds until the single-use ticket expires (at most 90). */
  expiresIn: z.number().int().positive(),
});
export type WsTicketInfo = z.infer<typeof WsTicketInfoSchema>;

export const BootstrapResponseSchema = z.object({
  serverVersion: SemverStringSchema,
  protocolVersion: SemverStringSchema,
  player: PlayerSchema,
  character: CharacterSchema,
  world: WorldSummarySchema,
  ws: WsTicketInfoSchema,
});
export type BootstrapResponse = z.infer<typeof BootstrapResponseSchema>;

/** `POST /api/session/ticket` (Bearer) → 200, a fresh ticket for reconnecting. */
export const TicketResponseSchema = z.object({
  ticket: z.string().min(1),
  /** Seconds until the single-use ticket expires (at most 90). */
  expiresIn: z.number().int().positive(),
});
export type TicketResponse = z.infer<typeof TicketResponseSchema>;

export const HEALTH_CAUSES = [
  'postgres_down',
  'redis_down',
  'nats_down',
  'no_sequencer',
  'no_projector',
  'events_stream_missing',
  'intents_stream_missing',
  'projector_lagging',
  'projector_stalled',
  'intents_unanswered',
] as const;
export const HealthCauseNameSchema = z.enum(HEALTH_CAUSES);
export type HealthCauseName = z.infer<typeof HealthCauseNameSchema>;

/** One reason `/api/health` is not `ok`: what, in words for an operator, and since when (ISO time). */
export const HealthCauseSchema = z.object({
  cause: HealthCauseNameSchema,
  message: z.string(),
  since: z.string(),
});
export type HealthCause = z.infer<typeof HealthCauseSchema>;

export const DependencyHealthSchema = z.object({
  status: z.enum(['up', 'down']),
  /** Duration of the last probe, in milliseconds. */
  latencyMs: z.number().nonnegative(),
});
export type DependencyHealth = z.infer<typeof DependencyHealthSchema>;

/**
 * What `event.degraded` can name: the three services, and (added for operators, issue #12) the
 * pipeline's parts: `sequencer` (no process owns the worlds), `projector` (none runs, or it is
 * stalled), `events` / `intents` (the JetStream stream is missing).
 */
export const HEALTH_DEPENDENCIES = ['postgres', 'redis', 'nats', 'sequencer', 'projector', 'events', 'intents'] as const;
export const HealthDependencySchema = z.enum(HEALTH_DEPENDENCIES);
export type HealthDependency = z.infer<typeof HealthDependencySchema>;

/**
 * `GET /api/health` → 200 `ok`/`degraded` (Redis down), or 503 `unavailable`
 * (Postgres or NATS down).
 */
export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  serverVersion: SemverStringSchema,
  dependencies: z.object({
    postgres: DependencyHealthSchema,
    redis: DependencyHealthSchema,
    nats: DependencyHealthSchema,
  }),
  /** Why the status is not `ok`, one entry per active cause (absent from older servers). */
  causes: z.array(HealthCauseSchema).optional(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** `GET /api/version` → 200. */
export const VersionResponseSchema = z.object({
  serverVersion: SemverStringSchema,
  protocolVersion: SemverStringSchema,
  minClientVersion: SemverStringSchema,
});
export type VersionResponse = z.infer<typeof VersionResponseSchema>;

/**
 * `GET /api/worlds/:worldId/snapshot` (Bearer) → 200 with `ETag` = world seq,
 * 304 on a matching `If-None-Match`; 401, 403 FORBIDDEN, 404.
 */
export const SnapshotResponseSchema = SnapshotSchema;
export type SnapshotResponse = z.infer<typeof SnapshotResponseSchema>;

/** `GET /api/characters/:id` (Bearer) → 200 the caller's own character; 403 FORBIDDEN. */
export const CharacterResponseSchema = CharacterSchema;
export type CharacterResponse = z.infer<typeof CharacterResponseSchema>;

/**
 * Addition: `POST /api/admin/min-client-version` (Bearer, role `admin`) → 200 VersionResponse.
 * Every gateway ends its connected clients below the new minimum (`event.version_mismatch`, 4426).
 */
export const MinClientVersionRequestSchema = z.object({
  minClientVersion: SemverStringSchema,
});
export type MinClientVersionRequest = z.infer<typeof MinClientVersionRequestSchema>;

/**
 * `GET /readyz` → 200 `ready` when this gateway can serve players (PostgreSQL and NATS reachable),
 * else 503 `not_ready` with the causes. `GET /healthz` → 200 `{status:"alive"}` while the process serves.
 */
export const ReadinessResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  causes: z.array(HealthCauseSchema),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponseSchema>;
