import { z } from 'zod';
import { BaseConfigSchema, intFromEnv } from '@tilemud/runtime';

export const ProjectorConfigSchema = BaseConfigSchema.extend({
  /** Most events folded into the read models in one transaction. */
  PROJECTOR_MAX_BATCH: intFromEnv(1000, 1, 20_000),
  /** How often the EVENTS stream and this consumer are checked, and made again when deleted. */
  STREAM_CHECK_INTERVAL_MS: intFromEnv(3000, 100, 600_000),
});
export type ProjectorConfig = z.infer<typeof ProjectorConfigSchema>;
