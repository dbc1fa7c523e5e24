-- Identity: one canonical form of a username (NFKC, case folded) that accounts are unique by and
-- looked up by. The gateway computes it (apps/gateway/src/auth/canonical-username.ts) for every
-- new player; this fills it for those already there. Every stored name is ASCII (registration
-- takes 3-24 of [A-Za-z0-9_], guests are guest_<hex>), and for ASCII lower(normalize(...)) is that
-- same function. Were two old names ever to fold to one, the older keeps it and the newer gets
-- '#' and its id appended (it can no longer sign in by name; an operator renames it), so this
-- migration cannot fail on the data it finds.
ALTER TABLE players ADD COLUMN username_canonical text;

UPDATE players p
SET username_canonical = CASE WHEN f.nth = 1 THEN f.folded ELSE f.folded || '#' || f.id END
FROM (
  SELECT id,
         lower(normalize(username, NFKC)) AS folded,
         row_number() OVER (PARTITION BY lower(normalize(username, NFKC)) ORDER BY created_at, id) AS nth
  FROM players
) f
WHERE p.id = f.id;

ALTER TABLE players ALTER COLUMN username_canonical SET NOT NULL;
CREATE UNIQUE INDEX players_username_canonical ON players (username_canonical);
-- Superseded by the canonical index, which is stricter (it folds NFKC forms too).
DROP INDEX players_username_ci;
