import { z } from 'zod';
import { BaseConfigSchema, intFromEnv, opsSettings } from '@tilemud/runtime';

export const ProjectorConfigSchema = BaseConfigSchema.extend({
  ...opsSettings(9465),
  /** /readyz answers 503 `behind` while any world's read model is more than this many events behind its log. */
  PROJECTOR_READY_MAX_LAG: intFromEnv(1000, 0, 10_000_000),
  /** Most events folded into the read models in one transaction. */
  PROJECTOR_MAX_BATCH: intFromEnv(1000, 1, 20_000),
  /** How often the EVENTS stream and this consumer are checked, and made again when deleted. */
  STREAM_CHECK_INTERVAL_MS: intFromEnv(3000, 100, 600_000),
});
export type ProjectorConfig = z.infer<typeof ProjectorConfigSchema>;
