-- coinage 0006: erasure.
--
-- coinage_entries stays append-only, with one exception: `erase(userId)`
-- moves an erased user's entries to a pseudonym and drops their free-text
-- reasons. The store allows it for the statement it runs with the setting
-- `coinage.erasure` on (set for that statement only, inside its
-- transaction), and only when nothing but `user_id` and `reason` changes.
-- Every other UPDATE and every DELETE is refused as before. Safe to run
-- more than once.

CREATE OR REPLACE FUNCTION coinage_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND current_setting('coinage.erasure', true) = 'on'
    AND NEW.reason IS NULL
    AND (to_jsonb(NEW) - 'user_id' - 'reason') = (to_jsonb(OLD) - 'user_id' - 'reason')
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'coinage_entries is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
