-- coinage 0004: the change feed.
--
-- `tx`: the entry's place in the feed, a transaction id (xid8, which never
-- wraps around): the id of the transaction that wrote the entry, or the
-- account's previous entry's `tx` when that is higher (the store writes it
-- so; the default below is the writing transaction's id), so that each
-- account's entries keep their seq order. The feed reads entries in
-- (tx, user_id, seq) order, and only those with `tx` below the oldest
-- transaction still in flight (`pg_snapshot_xmin(pg_current_snapshot())`):
-- every transaction below it has finished, and any entry still to come gets
-- a `tx` at or above it, so none can later appear before a position a
-- reader passed. An entry written inside a caller's transaction appears once
-- the caller commits (never, when it rolls back).
--
-- Cheap on a large table: the column is added with a constant default (no
-- rewrite; rows written before this migration read tx 0, the start of the
-- feed), then its default becomes the writing transaction's id, for new rows
-- only. The index is created without CONCURRENTLY and blocks writes to
-- coinage_entries while it builds: on a large table, create it first by hand
-- with CREATE INDEX CONCURRENTLY (same name and definition, outside a
-- transaction); this file then skips it. Safe to run more than once.

ALTER TABLE coinage_entries
  ADD COLUMN IF NOT EXISTS tx xid8 NOT NULL DEFAULT '0';

ALTER TABLE coinage_entries
  ALTER COLUMN tx SET DEFAULT pg_current_xact_id();

-- The feed of one program, in feed order.
CREATE INDEX IF NOT EXISTS coinage_entries_feed
  ON coinage_entries (program_id, tx, user_id, seq);
