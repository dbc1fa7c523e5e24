-- Items lying in each world, as the projector last saw them.
CREATE TABLE rm_items (
  world_id text    NOT NULL,
  id       text    NOT NULL,
  kind     text    NOT NULL,
  x        integer NOT NULL,
  y        integer NOT NULL,
  PRIMARY KEY (world_id, id)
);

-- A character's row follows its latest world change: events of an older epoch (a world it has
-- left) never overwrite what a newer arrival wrote, whatever order worlds are projected in.
ALTER TABLE rm_characters ADD COLUMN epoch integer NOT NULL DEFAULT 0;

-- Departures that have not arrived are looked up by the hand-over's id.
CREATE INDEX action_events_handovers ON action_events (character_id, (payload->>'handoverId'))
  WHERE type IN ('character.departed', 'character.arrived');
