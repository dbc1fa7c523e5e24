-- Identity: who plays. Not event-sourced; the world's state is.
CREATE TABLE players (
  id            uuid PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  kind          text NOT NULL CHECK (kind IN ('guest', 'registered')),
  password_hash text,
  roles         text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE characters (
  id            uuid PRIMARY KEY,
  player_id     uuid NOT NULL UNIQUE REFERENCES players(id),
  name          text NOT NULL,
  home_world_id text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- The source of truth: an append-only log, one gapless sequence per world.
CREATE TABLE action_events (
  world_id     text        NOT NULL,
  seq          bigint      NOT NULL CHECK (seq > 0),
  character_id uuid,
  intent_seq   bigint,
  event_index  smallint    NOT NULL DEFAULT 0,
  type         text        NOT NULL,
  payload      jsonb       NOT NULL,
  recorded_at  timestamptz NOT NULL,
  trace_id     text,
  PRIMARY KEY (world_id, seq)
);
-- The idempotency proof: a player's intent can add its events once. Re-applying it
-- would insert event_index 0 again and collide here.
CREATE UNIQUE INDEX action_events_intent_once ON action_events (world_id, character_id, intent_seq, event_index)
  WHERE intent_seq IS NOT NULL;

CREATE FUNCTION action_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'action_events is append-only';
END $$;
CREATE TRIGGER action_events_no_update BEFORE UPDATE OR DELETE ON action_events
  FOR EACH ROW EXECUTE FUNCTION action_events_append_only();

-- Intents refused by the rules leave no event; their outcome is kept so a resend is answered the same.
CREATE TABLE intent_rejections (
  character_id uuid   NOT NULL,
  intent_seq   bigint NOT NULL,
  world_id     text   NOT NULL,
  code         text   NOT NULL,
  message      text   NOT NULL,
  details      jsonb,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (character_id, intent_seq)
);

-- Read models, owned by the projector and rebuilt from the log at will.
CREATE TABLE rm_characters (
  id         uuid PRIMARY KEY,
  name       text    NOT NULL,
  world_id   text    NOT NULL,
  x          integer NOT NULL,
  y          integer NOT NULL,
  facing     text    NOT NULL,
  online     boolean NOT NULL,
  inventory  jsonb   NOT NULL DEFAULT '[]',
  last_seq   bigint  NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX rm_characters_world_online ON rm_characters (world_id) WHERE online;

CREATE TABLE rm_worlds (
  world_id   text PRIMARY KEY,
  seq        bigint NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE rm_chat (
  world_id     text   NOT NULL,
  seq          bigint NOT NULL,
  message_id   text   NOT NULL,
  character_id uuid   NOT NULL,
  name         text   NOT NULL,
  text         text   NOT NULL,
  at           timestamptz NOT NULL,
  PRIMARY KEY (world_id, seq)
);

CREATE TABLE projection_checkpoints (
  projection text   NOT NULL,
  world_id   text   NOT NULL,
  seq        bigint NOT NULL,
  PRIMARY KEY (projection, world_id)
);

-- A resent intent is answered from here, whichever world it was applied in.
CREATE INDEX action_events_by_intent ON action_events (character_id, intent_seq) WHERE intent_seq IS NOT NULL;
