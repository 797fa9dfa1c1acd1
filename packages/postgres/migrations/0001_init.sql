-- coinage 0001: the initial schema.
--
-- Plain SQL, safe to run more than once (everything is IF NOT EXISTS). Table
-- names are unqualified: the tables land in the first schema of the
-- search_path, so set it first if coinage should live in its own schema.
-- Ids use the "C" collation so that ordering is by code point everywhere.
-- Coins are numeric; instants are epoch milliseconds (bigint).

CREATE TABLE IF NOT EXISTS coinage_events (
  program_id text COLLATE "C" NOT NULL,
  event_id   text COLLATE "C" NOT NULL,
  version    integer NOT NULL CHECK (version >= 1),
  body       jsonb NOT NULL,
  PRIMARY KEY (program_id, event_id)
);

-- One row per account: the row every writer of the account locks first.
CREATE TABLE IF NOT EXISTS coinage_accounts (
  program_id     text COLLATE "C" NOT NULL,
  user_id        text COLLATE "C" NOT NULL,
  version        bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  debt           numeric NOT NULL DEFAULT 0 CHECK (debt >= 0),
  next_lot_id    bigint NOT NULL DEFAULT 1 CHECK (next_lot_id >= 1),
  next_entry_seq bigint NOT NULL DEFAULT 1 CHECK (next_entry_seq >= 1),
  PRIMARY KEY (program_id, user_id)
);

CREATE TABLE IF NOT EXISTS coinage_lots (
  program_id   text COLLATE "C" NOT NULL,
  user_id      text COLLATE "C" NOT NULL,
  id           bigint NOT NULL,
  coins        numeric NOT NULL,
  remaining    numeric NOT NULL,
  earned_at    bigint NOT NULL,
  available_at bigint NOT NULL,
  expires_at   bigint,
  event_id     text COLLATE "C",
  request_id   text COLLATE "C",
  PRIMARY KEY (program_id, user_id, id),
  CONSTRAINT coinage_lots_remaining_range CHECK (remaining >= 0 AND remaining <= coins)
);

-- Open lots of one account: what every command reads (cost grows with open lots, not history).
CREATE INDEX IF NOT EXISTS coinage_lots_open_by_user
  ON coinage_lots (program_id, user_id, id) WHERE remaining > 0;

-- Open lots by expiry: what the expiry sweep scans.
CREATE INDEX IF NOT EXISTS coinage_lots_open_by_expiry
  ON coinage_lots (program_id, expires_at, user_id) WHERE remaining > 0;

-- The history. Append-only: rows are never updated or deleted (enforced below).
CREATE TABLE IF NOT EXISTS coinage_entries (
  program_id    text COLLATE "C" NOT NULL,
  user_id       text COLLATE "C" NOT NULL,
  seq           bigint NOT NULL,
  type          text NOT NULL CHECK (type IN ('earn', 'redeem', 'expire', 'reverse', 'restore', 'adjust')),
  coins         numeric NOT NULL,
  balance_after numeric NOT NULL,
  debt_after    numeric NOT NULL,
  request_id    text COLLATE "C",
  lots          jsonb NOT NULL DEFAULT '[]',
  event_id      text COLLATE "C",
  at            bigint NOT NULL,
  reason        text,
  PRIMARY KEY (program_id, user_id, seq)
);

CREATE OR REPLACE FUNCTION coinage_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'coinage_entries is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_trigger
    WHERE tgname = 'coinage_entries_append_only' AND tgrelid = 'coinage_entries'::regclass
  ) THEN
    CREATE TRIGGER coinage_entries_append_only
      BEFORE UPDATE OR DELETE ON coinage_entries
      FOR EACH ROW EXECUTE FUNCTION coinage_entries_append_only();
  END IF;
END;
$$;

-- Idempotency records, one per (program, request id). A row with kind NULL is
-- a claim held by a running transaction; it is completed or removed before
-- that transaction commits, so committed rows always have a kind.
CREATE TABLE IF NOT EXISTS coinage_requests (
  program_id  text COLLATE "C" NOT NULL,
  request_id  text COLLATE "C" NOT NULL,
  user_id     text COLLATE "C" NOT NULL,
  fingerprint text NOT NULL,
  kind        text CHECK (kind IN ('allocate', 'redeem', 'reverse', 'adjust')),
  at          bigint,
  result      jsonb,
  coins       numeric,
  reversed    numeric CHECK (reversed >= 0),
  lot_id      bigint,
  parts       jsonb,
  PRIMARY KEY (program_id, request_id),
  CONSTRAINT coinage_requests_complete CHECK (
    kind IS NULL
    OR (at IS NOT NULL AND result IS NOT NULL AND coins IS NOT NULL AND reversed IS NOT NULL AND parts IS NOT NULL)
  )
);

-- Per-user cap counters (keys are chosen by core, e.g. event and period).
CREATE TABLE IF NOT EXISTS coinage_usage (
  program_id text COLLATE "C" NOT NULL,
  user_id    text COLLATE "C" NOT NULL,
  key        text COLLATE "C" NOT NULL,
  used       numeric NOT NULL,
  PRIMARY KEY (program_id, user_id, key)
);

-- What each event has handed out in total (for budget caps).
CREATE TABLE IF NOT EXISTS coinage_budgets (
  program_id text COLLATE "C" NOT NULL,
  event_id   text COLLATE "C" NOT NULL,
  used       numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, event_id)
);
