-- World ownership (issue #15): any number of sequencer (and projector) processes share the worlds,
-- each world owned by exactly one member of its role at a time through a lease with an expiry and
-- an epoch. Every clock here is PostgreSQL's (clock_timestamp()), never a process's.
--
-- Why two owners can never both append to a world (docs/architecture.md, "World leases"):
--   * taking a lease is an UPDATE of its row that bumps the epoch, allowed only once the lease has
--     expired or was released;
--   * every append checks, in its own transaction, that its process still holds each world it
--     writes at the epoch it loaded the world under and that the lease has not expired, locking the
--     lease rows FOR SHARE (world_lease_fence below);
--   * so a take and an append on the same world are serialised on the lease row: an append that
--     checked first holds the row until it commits, and the take waits for it; a take that
--     committed first changes the epoch, and the late append's check fails and rolls it back;
--   * a new owner loads the world from the log after its take committed, so it sees every append
--     of the old owner, and numbers on from there. The log's primary key (world_id, seq) stays the
--     last line of defence.

-- The live members of each role: a member heartbeats its row; the worlds are spread over the
-- members seen within the lease's time to live (rendezvous hashing, libs/runtime/src/leases).
CREATE TABLE role_members (
  role       text        NOT NULL,
  member     text        NOT NULL,
  joined_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  seen_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (role, member)
);

CREATE TABLE world_leases (
  role        text        NOT NULL,
  world_id    text        NOT NULL,
  holder      text        NOT NULL,
  -- Bumped at every take: a fencing token. A holder's appends name the epoch they were decided under.
  epoch       bigint      NOT NULL CHECK (epoch > 0),
  taken_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (role, world_id)
);

-- Raises SQLSTATE 'TMLEA' unless `p_holder` holds every world of `p_worlds` at the matching epoch
-- of `p_epochs` and none of those leases has expired; holds the lease rows FOR SHARE until the
-- caller's transaction ends, so that no take of those worlds can commit in between.
CREATE FUNCTION world_lease_fence(p_role text, p_holder text, p_worlds text[], p_epochs bigint[]) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  held int;
BEGIN
  IF p_worlds IS NULL OR cardinality(p_worlds) = 0 THEN
    RETURN true;
  END IF;
  SELECT count(*) INTO held FROM (
    SELECT 1 FROM world_leases l
      JOIN unnest(p_worlds, p_epochs) AS w(world_id, epoch) ON w.world_id = l.world_id
     WHERE l.role = p_role AND l.holder = p_holder AND l.epoch = w.epoch AND l.expires_at > clock_timestamp()
       FOR SHARE OF l
  ) fenced;
  IF held <> cardinality(p_worlds) THEN
    RAISE EXCEPTION 'world lease not held by %: %', p_holder, p_worlds USING ERRCODE = 'TMLEA';
  END IF;
  RETURN true;
END;
$$;
