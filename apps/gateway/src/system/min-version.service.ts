import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { compareSemver, parseSemver } from '@tilemud/contracts';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { ControlService } from '../control/control.service';
import { LocalSessions } from '../realtime/local-sessions';
import { CONFIG, LOGGER, PG_POOL } from '../tokens';

const MIN_CLIENT_VERSION_KEY = 'min_client_version';
const REFRESH_MS = 15_000;

/**
 * The oldest client version accepted, raisable at runtime: the higher of MIN_CLIENT_VERSION and
 * what an operator stored in `server_settings` (by the admin endpoint or `scripts/ops.mjs`). A
 * change is broadcast on the control subject and every gateway ends its connected clients that
 * are older (`event.version_mismatch`, 4426). Each gateway also re-reads the table now and then,
 * so one that missed the broadcast catches up.
 */
@Injectable()
export class MinVersionService implements OnModuleInit, OnModuleDestroy {
  private value: string;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly control: ControlService,
    private readonly sessions: LocalSessions,
  ) {
    this.value = config.MIN_CLIENT_VERSION;
  }

  get current(): string {
    return this.value;
  }

  async onModuleInit(): Promise<void> {
    this.control.on('min_client_version', (m) => this.apply(m.minClientVersion));
    await this.reload().catch((err) => this.logger.warn({ err: (err as Error).message }, 'could not read the stored minClientVersion'));
    this.timer = setInterval(() => void this.reload().catch(() => undefined), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Stores a new minimum and tells every gateway. */
  async set(minClientVersion: string): Promise<string> {
    await this.pool.query(
      `INSERT INTO server_settings (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [MIN_CLIENT_VERSION_KEY, minClientVersion],
    );
    this.apply(minClientVersion);
    this.control.publish({ kind: 'min_client_version', minClientVersion, from: 'gateway' });
    return this.value;
  }

  private async reload(): Promise<void> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM server_settings WHERE key = $1', [MIN_CLIENT_VERSION_KEY]);
    this.apply(rows[0]?.value ?? this.config.MIN_CLIENT_VERSION);
  }

  private apply(stored: string): void {
    if (!parseSemver(stored)) return;
    const next = compareSemver(stored, this.config.MIN_CLIENT_VERSION) > 0 ? stored : this.config.MIN_CLIENT_VERSION;
    if (next === this.value) return;
    const raised = compareSemver(next, this.value) > 0;
    this.value = next;
    let ended = 0;
    if (raised) for (const s of this.sessions.list()) if (!s.checkVersion(next)) ended++;
    this.logger.info({ minClientVersion: next, ended }, 'minClientVersion changed');
  }
}
