/**
 * The scripts off the hot path, each in one slot: events and budgets
 * (program slot), claims given back (request-id slot), the expiry index and
 * the sweep's walk sets (expiry stripes), and plain reads.
 */
import { HMGET_ALL, script } from "./script.js";

/** KEYS: any string key. Answers its value or nil. */
export const getValue = script("get", "return redis.call('GET', KEYS[1])");

/** KEYS: two string keys. Answers the first one's value, or else the second's, or nil. */
export const getEither = script(
  "get-either",
  "return redis.call('GET', KEYS[1]) or redis.call('GET', KEYS[2])",
);

/** KEYS: any hash. ARGV: field. */
export const getField = script("hget", "return redis.call('HGET', KEYS[1], ARGV[1])");

/**
 * KEYS: claim, holders. ARGV: user id. A holder that committed nothing
 * leaves: the last one to leave drops the claim, so the request id is free
 * again. A holder that committed never leaves, so its claim stays. Without a
 * holder count (expired), the claim stays too. Answers 1 when dropped.
 */
export const releaseClaim = script(
  "release-claim",
  `
local holders = tonumber(redis.call('GET', KEYS[2]) or '0')
if holders <= 0 then return 0 end
if holders > 1 then
  redis.call('DECR', KEYS[2])
  return 0
end
redis.call('DEL', KEYS[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`,
);

/**
 * KEYS: claim. ARGV: user id. Sets the claim when absent (copying a claim of
 * version 0.1 to its new key): answers {1}; else {0, owner}.
 */
export const copyClaim = script(
  "copy-claim",
  `
local owner = redis.call('GET', KEYS[1])
if owner then return {0, owner} end
redis.call('SET', KEYS[1], ARGV[1])
return {1}
`,
);

/**
 * KEYS: budget. ARGV: expected used, new used. Compare-and-set on the exact
 * string: answers {1} when set, {0, current} when someone changed it first.
 */
export const swapBudget = script(
  "swap-budget",
  `
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return {0, current} end
redis.call('SET', KEYS[1], ARGV[2])
return {1}
`,
);

/**
 * KEYS: expiry, expiryVersions. ARGV: per account (member, account version,
 * earliest expiry or '' for none). Each applies only when no later version
 * was indexed already, so updates that arrive out of order cannot put an old
 * state back.
 */
export const setExpiry = script(
  "set-expiry",
  `
for i = 1, #ARGV, 3 do
  local indexed = redis.call('HGET', KEYS[2], ARGV[i])
  if not (indexed and tonumber(indexed) > tonumber(ARGV[i + 1])) then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    if ARGV[i + 2] == '' then
      redis.call('ZREM', KEYS[1], ARGV[i])
    else
      redis.call('ZADD', KEYS[1], ARGV[i + 2], ARGV[i])
    end
  end
end
return 1
`,
);

/**
 * KEYS: expiry. ARGV: per account (member, expiry). Adds each member, or
 * moves it earlier; never later. Written before a commit that creates an
 * earlier expiry, so a crash after the commit leaves the index early
 * (tolerated), never missing.
 */
export const lowerExpiry = script(
  "lower-expiry",
  `
for i = 1, #ARGV, 2 do redis.call('ZADD', KEYS[1], 'LT', ARGV[i + 1], ARGV[i]) end
return 1
`,
);

/** KEYS: expiry, expiryVersions (of version 0.1). ARGV: member. Drops the member's entry. */
export const dropExpiry = script(
  "drop-expiry",
  `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`,
);

/**
 * KEYS: expiry, build set. ARGV: before, offset, count, ttl ms. Copies one batch of
 * the members due at `before` into the build set (score 0, for lexicographic
 * walking). Answers how many it read.
 */
export const copyDue = script(
  "copy-due",
  `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', ARGV[2], ARGV[3])
for j = 1, #due do redis.call('ZADD', KEYS[2], 0, due[j]) end
if #due > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return #due
`,
);

/**
 * KEYS: build set, walk set, empty marker. ARGV: ttl ms. Publishes a
 * finished build; a build that found nothing leaves the marker instead, so
 * the walk knows the set was built.
 */
export const publishDue = script(
  "publish-due",
  `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  redis.call('DEL', KEYS[3])
else
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[3], 1, 'PX', ARGV[1])
end
return 1
`,
);

/**
 * KEYS: walk set, its empty marker. ARGV: exclusive start ('-' for the first), count.
 * Answers nil when the walk set was never built (or expired), {} when it
 * was built empty.
 */
export const walkDue = script(
  "walk-due",
  `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
  return false
end
return redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])
`,
);

/** KEYS: walk set, its empty marker. Deletes both. */
export const dropWalk = script("drop-walk", "return redis.call('DEL', KEYS[1], KEYS[2])");

/**
 * Event hashes are keyed by the id's ordered member (see `keys.ts`), so a
 * page of the id index reads its events in the same script.
 * KEYS: events, eventVersions, eventIds. ARGV: member, json, version.
 * Answers 1 when inserted, 0 when the id exists.
 */
export const insertEvent = script(
  "insert-event",
  `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 1
`,
);

/** KEYS: events, eventVersions. ARGV: member, json, new version, expected version. Answers 1 when replaced. */
export const replaceEvent = script(
  "replace-event",
  `
local stored = redis.call('HGET', KEYS[2], ARGV[1])
if not stored or stored ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
`,
);

/** KEYS: events, eventIds. ARGV: exclusive start ('-' for the first), count. */
export const listEvents = script(
  "list-events",
  `${HMGET_ALL}
local members = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], '+', 'LIMIT', 0, ARGV[2])
return {members, hmget_all(KEYS[1], members)}
`,
);
