-- coinage 0003: account totals, and the indexes for bounded reads.
--
-- Every commit writes the account's totals over its open lots, so that a
-- command reads only the lots it touches, never every open lot:
--   open_coins      sum of `remaining` over the open lots (remaining > 0),
--                   expired ones not yet swept included;
--   pending_coins   of those, the coins of lots not yet available at totals_as_of;
--   totals_as_of    the instant (epoch ms) the totals were computed for;
--   next_change_at  a lower bound of the first instant after totals_as_of at
--                   which an open lot expires or becomes available (NULL: never).
-- Accounts written before this migration get their totals computed here
-- from their open lots, as of the moment it runs.
--
-- The reads are index range scans: open lots in FIFO order (expiry, then
-- earned, then id; never-expiring lots sort last) and open lots by
-- activation. They replace the index of every open lot by id, which only
-- served reading all of them.
--
-- CREATE INDEX takes a lock that blocks writes to coinage_lots while it
-- builds. On a large table, create the two indexes first by hand with
-- CREATE INDEX CONCURRENTLY (same names and definitions, outside a
-- transaction); this file then skips them. Safe to run more than once.

ALTER TABLE coinage_accounts
  ADD COLUMN IF NOT EXISTS open_coins numeric NOT NULL DEFAULT 0
    CONSTRAINT coinage_accounts_open_coins_range CHECK (open_coins >= 0),
  ADD COLUMN IF NOT EXISTS pending_coins numeric NOT NULL DEFAULT 0
    CONSTRAINT coinage_accounts_pending_coins_range CHECK (pending_coins >= 0 AND pending_coins <= open_coins),
  ADD COLUMN IF NOT EXISTS totals_as_of bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS next_change_at bigint;

UPDATE coinage_accounts a
SET open_coins = t.open_coins,
    pending_coins = t.pending_coins,
    totals_as_of = t.as_of,
    next_change_at = t.next_change_at
FROM (
  SELECT l.program_id, l.user_id, n.as_of,
    sum(l.remaining) AS open_coins,
    coalesce(sum(l.remaining) FILTER (WHERE l.available_at > n.as_of), 0) AS pending_coins,
    least(
      min(l.expires_at) FILTER (WHERE l.expires_at > n.as_of),
      min(l.available_at) FILTER (WHERE l.available_at > n.as_of)
    ) AS next_change_at
  FROM coinage_lots l
  CROSS JOIN (SELECT floor(extract(epoch FROM now()) * 1000)::bigint AS as_of) n
  WHERE l.remaining > 0
  GROUP BY l.program_id, l.user_id, n.as_of
) t
WHERE a.program_id = t.program_id AND a.user_id = t.user_id;

-- Open lots in FIFO order: due lots, the next-expiry group, the spend walk.
CREATE INDEX IF NOT EXISTS coinage_lots_open_fifo
  ON coinage_lots (program_id, user_id, expires_at, earned_at, id) WHERE remaining > 0;

-- Open lots by activation: lots activated since the totals, the next activation.
CREATE INDEX IF NOT EXISTS coinage_lots_open_by_activation
  ON coinage_lots (program_id, user_id, available_at) WHERE remaining > 0;

DROP INDEX IF EXISTS coinage_lots_open_by_user;
