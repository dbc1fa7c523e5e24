import { BaseConfigSchema, intFromEnv, opsSettings } from '@tilemud/runtime';

export const SequencerConfigSchema = BaseConfigSchema.extend({
  ...opsSettings(9464),
  /** /readyz answers 503 `behind` once the oldest intent in hand has waited longer than this (the queue is not draining). */
  SEQUENCER_READY_MAX_WAIT_MS: intFromEnv(5000, 100, 600_000),
  /** Most intents in one group commit; a batch is whatever is waiting, up to this. */
  SEQUENCER_MAX_BATCH: intFromEnv(500, 1, 10_000),
  /**
   * Intents of a world pulled from JetStream ahead of the one being decided; twice this is the most
   * of a world's intents delivered and not yet acked (its consumer's max_ack_pending), so that under
   * overload an intent is decided before JetStream's ack_wait (5 s) delivers it again.
   */
  SEQUENCER_PREFETCH: intFromEnv(200, 1, 20_000),
  /** How often the streams and the intents consumer are checked, made again when deleted, and EVENTS refilled. */
  STREAM_CHECK_INTERVAL_MS: intFromEnv(3000, 100, 600_000),
  /** A world's state is stored every this many events (world_snapshots): a start folds only the log after the newest. */
  SNAPSHOT_EVERY: intFromEnv(1000, 10, 10_000_000),
});
