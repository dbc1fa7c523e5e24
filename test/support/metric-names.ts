/**
 * The Prometheus names of the metrics catalog (issue #12), per app: what every scrape must show.
 * One place for the e2e Prometheus test, the dashboard and rules checks. `counter` names move
 * under load; gauges and histograms only have to be there (a histogram as its `_bucket` series).
 */
export type MetricKind = 'counter' | 'gauge' | 'histogram';
export interface CatalogMetric {
  name: string;
  kind: MetricKind;
  /** Counters that a few players moving and chatting make grow (others may stay at 0 or be absent until they happen). */
  movesUnderLoad?: boolean;
}

const RUNTIME: CatalogMetric[] = [
  { name: 'nodejs_eventloop_delay_p50_seconds', kind: 'gauge' },
  { name: 'nodejs_eventloop_delay_p99_seconds', kind: 'gauge' },
  { name: 'nodejs_eventloop_delay_max_seconds', kind: 'gauge' },
];

export const CATALOG: Record<'gateway' | 'sequencer' | 'projector', CatalogMetric[]> = {
  gateway: [
    { name: 'tilemud_gateway_sessions', kind: 'gauge' },
    { name: 'tilemud_gateway_connections_closed_total', kind: 'counter' },
    { name: 'tilemud_gateway_resumes_total', kind: 'counter' },
    { name: 'tilemud_gateway_intents_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_gateway_intent_ack_duration_seconds', kind: 'histogram' },
    { name: 'tilemud_gateway_delta_latency_seconds', kind: 'histogram' },
    { name: 'tilemud_gateway_delta_frames_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_gateway_delta_bytes_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_gateway_delta_merged_frames_total', kind: 'counter' },
    { name: 'tilemud_gateway_send_queue_max_bytes', kind: 'gauge' },
    { name: 'tilemud_gateway_rate_limit_hits_total', kind: 'counter' },
    { name: 'tilemud_gateway_invalid_frames_total', kind: 'counter' },
    { name: 'tilemud_gateway_logins_total', kind: 'counter' },
    { name: 'tilemud_dependency_up', kind: 'gauge' },
    { name: 'tilemud_health_status', kind: 'gauge' },
    { name: 'tilemud_health_cause', kind: 'gauge' },
    { name: 'tilemud_slo_intents_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_slo_intents_good_total', kind: 'counter', movesUnderLoad: true },
    ...RUNTIME,
  ],
  sequencer: [
    { name: 'tilemud_sequencer_intents_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_sequencer_commit_duration_seconds', kind: 'histogram' },
    { name: 'tilemud_sequencer_batch_size', kind: 'histogram' },
    { name: 'tilemud_sequencer_batch_duration_seconds', kind: 'histogram' },
    { name: 'tilemud_sequencer_events_appended_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_sequencer_worlds_owned', kind: 'gauge' },
    { name: 'tilemud_role_held', kind: 'gauge' },
    { name: 'tilemud_jetstream_consumer_pending', kind: 'gauge' },
    { name: 'tilemud_sequencer_log_head', kind: 'gauge' },
    ...RUNTIME,
  ],
  projector: [
    { name: 'tilemud_projector_lag_events', kind: 'gauge' },
    { name: 'tilemud_projector_checkpoint_age_seconds', kind: 'gauge' },
    { name: 'tilemud_projector_events_applied_total', kind: 'counter', movesUnderLoad: true },
    { name: 'tilemud_projector_dead_letters_total', kind: 'counter' },
    { name: 'tilemud_jetstream_consumer_pending', kind: 'gauge' },
    { name: 'tilemud_role_held', kind: 'gauge' },
    ...RUNTIME,
  ],
};

/** The series name Prometheus stores for a catalog metric (histograms: their buckets). */
export const seriesName = (m: CatalogMetric): string => (m.kind === 'histogram' ? `${m.name}_bucket` : m.name);

/** Every series name of the catalog, all apps together. */
export const ALL_SERIES = [...new Set(Object.values(CATALOG).flat().map(seriesName))];
