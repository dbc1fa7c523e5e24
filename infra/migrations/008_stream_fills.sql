-- Which EVENTS stream (by its creation time) the log was last wholly published into. A sequencer
-- that takes the worlds and finds another stream than the one recorded here (deleted and made
-- again while no sequencer watched, or while one was stopped half-way through refilling it)
-- refills the new stream from the whole log instead of only what lies past the stream's last
-- message, which a stream made again holds no proof of.
CREATE TABLE stream_fills (
  stream    text        PRIMARY KEY,
  created   text        NOT NULL,
  filled_at timestamptz NOT NULL DEFAULT now()
);
