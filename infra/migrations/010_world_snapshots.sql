-- A world's state as it stood at a seq (issue #13), stored by the sequencer every SNAPSHOT_EVERY
-- events: a start folds the newest snapshot plus the log after it instead of the whole log, and
-- `ops state --at-seq N` starts from the nearest one at or below N. A snapshot is a cache of a
-- fold of the log, never a source: deleting any of them changes no answer, only its speed.
-- `version` is the snapshot's shape (libs/domain WORLD_SNAPSHOT_VERSION); another one is ignored.
CREATE TABLE world_snapshots (
  world_id   text        NOT NULL,
  seq        bigint      NOT NULL CHECK (seq > 0),
  version    smallint    NOT NULL,
  state      jsonb       NOT NULL,
  taken_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (world_id, seq)
);
