-- A character whose session is gone and who waits out the resume window is shown as away
-- (events character.away / character.back); the read model keeps it for snapshots.
ALTER TABLE rm_characters ADD COLUMN IF NOT EXISTS away boolean NOT NULL DEFAULT false;
