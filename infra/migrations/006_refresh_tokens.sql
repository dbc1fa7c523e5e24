-- Identity: refresh tokens (apps/gateway/src/auth/refresh-tokens.repository.ts). Only a token's
-- SHA-256 is stored. Each is single use: an exchange marks it used and stores its successor in the
-- same family (one family per sign-in); a used one coming back revokes the family. Rows of a
-- player that have expired are removed as that player's tokens are issued.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  family_id  uuid        NOT NULL,
  player_id  uuid        NOT NULL REFERENCES players(id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_player ON refresh_tokens (player_id);
