import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@tilemud/runtime';
import type { GatewayConfig } from '../config';
import { CONFIG, LOGGER } from '../tokens';
import { loadOrCreateKeyFile } from './key-file';
import { KeyRing, keyRingOf, keySource, kidForSecret } from './key-ring';

/** The signing keys of this gateway, read once at start (a rotation is a restart with a new list). */
@Injectable()
export class KeyRingService {
  readonly ring: KeyRing;

  constructor(@Inject(CONFIG) config: GatewayConfig, @Inject(LOGGER) logger: Logger) {
    const source = keySource(config);
    if (source.kind === 'keys') this.ring = keyRingOf(source.keys);
    else if (source.kind === 'secret') this.ring = keyRingOf([{ kid: kidForSecret(source.secret), secret: source.secret }]);
    else {
      const { keys, created } = loadOrCreateKeyFile(source.path);
      this.ring = keyRingOf(keys);
      // Every gateway that must accept another's tokens needs this same file (or AUTH_KEYS).
      if (created) logger.warn({ file: source.path }, 'no AUTH_KEYS or AUTH_SECRET: created a local signing key file; keep it secret');
    }
    logger.info({ kid: this.ring.signing.kid, accepted: this.ring.accepted.map((k) => k.kid) }, 'signing keys loaded');
  }
}
