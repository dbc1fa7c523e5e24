import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tilemud/contracts';
import type { GatewayConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { CONFIG } from '../tokens';
import { BoundedWork, WorkQueueFullError } from './bounded-work';
import { decoyHash, hashPassword, verifyPassword } from './password';

/**
 * Password hashing, a few at a time (PASSWORD_HASH_CONCURRENCY, below libuv's pool size) with a
 * bounded line (PASSWORD_HASH_QUEUE); a full line answers 503 CAPACITY_EXCEEDED with retryAfterMs
 * at once. Unbounded, 80 concurrent logins held every libuv thread for seconds, and `/api/health`
 * waited behind them for the file check of the static-assets middleware (docs/reliability.md).
 */
@Injectable()
export class PasswordHasher {
  private readonly work: BoundedWork;
  private readonly logN: number;
  /** Checked when the username is unknown, so that answers take as long either way. */
  private readonly decoy: Promise<string>;

  constructor(@Inject(CONFIG) config: GatewayConfig) {
    if (config.PASSWORD_HASH_CONCURRENCY >= config.UV_THREADPOOL_SIZE) {
      throw new Error(`PASSWORD_HASH_CONCURRENCY (${config.PASSWORD_HASH_CONCURRENCY}) must be below UV_THREADPOOL_SIZE (${config.UV_THREADPOOL_SIZE}): lower the one or raise the other`);
    }
    this.logN = config.SCRYPT_LOG_N;
    this.work = new BoundedWork(config.PASSWORD_HASH_CONCURRENCY, config.PASSWORD_HASH_QUEUE);
    this.decoy = decoyHash(this.logN);
  }

  hash(password: string): Promise<string> {
    return this.run(() => hashPassword(password, this.logN));
  }

  /** Checks against the stored hash, or against a decoy when there is none (unknown name). */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    const against = stored ?? (await this.decoy);
    return this.run(() => verifyPassword(password, against));
  }

  private async run<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await this.work.run(job);
    } catch (err) {
      if (!(err instanceof WorkQueueFullError)) throw err;
      throw new ApiError(ErrorCode.CAPACITY_EXCEEDED, 'too many sign-ins are being checked; try again shortly', { retryable: true, retryAfterMs: err.retryAfterMs });
    }
  }
}
