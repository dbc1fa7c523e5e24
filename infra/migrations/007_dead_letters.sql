-- Messages a consumer could not apply: malformed, or an event that disagrees with the log or that
-- the log does not hold. They are parked here (and terminated on the stream) so that nothing waits
-- behind them; the log stays the only source of the read models. Operators list, retry and drop
-- them with `node scripts/ops.mjs deadletters`.
CREATE TABLE dead_letters (
  id         bigserial   PRIMARY KEY,
  stream     text        NOT NULL,
  subject    text        NOT NULL,
  stream_seq bigint      NOT NULL,
  world_id   text,
  event_seq  bigint,
  reason     text        NOT NULL,
  payload    bytea       NOT NULL,
  -- NATS headers as {name: [values]}: a retry publishes the message again with them.
  headers    jsonb,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen  timestamptz NOT NULL DEFAULT now(),
  attempts   integer     NOT NULL DEFAULT 1
);
-- One row per message: a redelivery of the same one (the term was lost) counts an attempt. The
-- payload is part of the key because a recreated stream numbers its messages from 1 again.
CREATE UNIQUE INDEX dead_letters_once ON dead_letters (stream, stream_seq, md5(payload));
