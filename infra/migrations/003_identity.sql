-- Identity: one account per name whatever its case ("Ada" and "ada" are one player).
CREATE UNIQUE INDEX players_username_ci ON players (lower(username));

-- Settings an operator changes at runtime (the oldest accepted client), shared by every gateway.
CREATE TABLE server_settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
