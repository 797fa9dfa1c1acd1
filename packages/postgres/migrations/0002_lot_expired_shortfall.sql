-- coinage 0002: what expired of each lot, and what reversals of its
-- allocation could not take back.
--
-- `expired`: coins of the lot that expired (a reversal never takes them
-- back). `shortfall`: coins a reversal of the lot's allocation booked as debt
-- or forgave, not yet repaid by coins restored into the lot. Rows written
-- before this migration read 0. Safe to run more than once.

ALTER TABLE coinage_lots
  ADD COLUMN IF NOT EXISTS expired numeric NOT NULL DEFAULT 0
    CONSTRAINT coinage_lots_expired_range CHECK (expired >= 0 AND expired <= coins);

ALTER TABLE coinage_lots
  ADD COLUMN IF NOT EXISTS shortfall numeric NOT NULL DEFAULT 0
    CONSTRAINT coinage_lots_shortfall_range CHECK (shortfall >= 0 AND shortfall <= coins);
