import { z } from 'zod';
import { BaseConfigSchema, intFromEnv } from '@tilemud/runtime';

export const ProjectorConfigSchema = BaseConfigSchema.extend({
  /** Most events folded into the read models in one transaction. */
  PROJECTOR_MAX_BATCH: intFromEnv(1000, 1, 20_000),
});
export type ProjectorConfig = z.infer<typeof ProjectorConfigSchema>;
