-- coinage 0005: liability totals.
--
-- Every commit appends one row to coinage_tally_deltas: what it added to its
-- program's running totals (coins earned, redeemed, expired, reversed,
-- restored and adjusted; the change in open coins and in debt). Appending
-- takes no lock any other writer waits on: a single program-wide row updated
-- by every commit would serialise them all (and, inside a caller's
-- transaction, hold that row until the caller commits). A read sums the
-- program's base row (coinage_tallies) and its deltas; when the deltas grow
-- past a few thousand rows, a read outside a caller's transaction folds them
-- into the base row (one statement), so reads stay cheap.
--
-- Programs with data get their base row here, from their entries and
-- accounts as they stand when this runs.
--
-- coinage_lots_pending: open lots with an activation delay, by activation,
-- for the pending coins at an instant. Lots available at once (most of
-- them) are not in it, so it costs their writes nothing. Same advice as in
-- 0003 for large tables (CREATE INDEX CONCURRENTLY by hand first). Safe to
-- run more than once.

CREATE TABLE IF NOT EXISTS coinage_tally_deltas (
  program_id text COLLATE "C" NOT NULL,
  id         bigint GENERATED ALWAYS AS IDENTITY,
  earned     numeric NOT NULL,
  redeemed   numeric NOT NULL,
  expired    numeric NOT NULL,
  reversed   numeric NOT NULL,
  restored   numeric NOT NULL,
  adjusted   numeric NOT NULL,
  open_coins numeric NOT NULL,
  debt       numeric NOT NULL,
  PRIMARY KEY (program_id, id)
);

CREATE TABLE IF NOT EXISTS coinage_tallies (
  program_id text COLLATE "C" NOT NULL PRIMARY KEY,
  earned     numeric NOT NULL DEFAULT 0,
  redeemed   numeric NOT NULL DEFAULT 0,
  expired    numeric NOT NULL DEFAULT 0,
  reversed   numeric NOT NULL DEFAULT 0,
  restored   numeric NOT NULL DEFAULT 0,
  adjusted   numeric NOT NULL DEFAULT 0,
  open_coins numeric NOT NULL DEFAULT 0,
  debt       numeric NOT NULL DEFAULT 0
);

INSERT INTO coinage_tallies (program_id, earned, redeemed, expired, reversed, restored, adjusted,
  open_coins, debt)
SELECT a.program_id,
  coalesce(e.earned, 0), coalesce(e.redeemed, 0), coalesce(e.expired, 0),
  coalesce(e.reversed, 0), coalesce(e.restored, 0), coalesce(e.adjusted, 0),
  a.open_coins, a.debt
FROM (
  SELECT program_id, sum(open_coins) AS open_coins, sum(debt) AS debt
  FROM coinage_accounts GROUP BY program_id
) a
LEFT JOIN (
  SELECT program_id,
    sum(coins) FILTER (WHERE type = 'earn') AS earned,
    -sum(coins) FILTER (WHERE type = 'redeem') AS redeemed,
    -sum(coins) FILTER (WHERE type = 'expire') AS expired,
    -sum(coins) FILTER (WHERE type = 'reverse') AS reversed,
    sum(coins) FILTER (WHERE type = 'restore') AS restored,
    sum(coins) FILTER (WHERE type = 'adjust') AS adjusted
  FROM coinage_entries GROUP BY program_id
) e ON e.program_id = a.program_id
WHERE NOT EXISTS (SELECT 1 FROM coinage_tally_deltas d WHERE d.program_id = a.program_id)
ON CONFLICT (program_id) DO NOTHING;

CREATE INDEX IF NOT EXISTS coinage_lots_pending
  ON coinage_lots (program_id, available_at) WHERE remaining > 0 AND available_at > earned_at;
