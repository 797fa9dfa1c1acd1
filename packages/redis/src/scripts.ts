/**
 * The Lua scripts. Rules every script follows:
 * - all its keys share one hash tag (see `keys.ts`);
 * - it checks everything before its first write (Redis has no rollback);
 * - it never reads the clock and never does coin arithmetic: amounts are
 *   decided in core and arrive as strings; scripts compare and store them.
 */
import { createHash } from "node:crypto";

export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, body: string): Script {
  const source = `-- coinage:${name}\n${body.trim()}\n`;
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}

/** HMGET in chunks, so a long list never exceeds Lua's `unpack` limit. */
const HMGET_ALL = `
local function hmget_all(key, fields)
  local out = {}
  local i = 1
  while i <= #fields do
    local last = math.min(i + 499, #fields)
    local part = redis.call('HMGET', key, unpack(fields, i, last))
    for j = 1, #part do out[#out + 1] = part[j] end
    i = last + 1
  end
  return out
end
`;

/**
 * KEYS: head, lots, open, usage, requests.
 * ARGV: own request id ('' for none), then three counted lists:
 * usage keys, request ids, extra lot ids.
 * Answers {'replay', record} when the own request is already recorded, else
 * {'state', head, lotIds, lots, usage, requests}.
 */
export const readAccount = script(
  "read-account",
  `${HMGET_ALL}
if ARGV[1] ~= '' then
  local own = redis.call('HGET', KEYS[5], ARGV[1])
  if own then return {'replay', own} end
end
local function list(at)
  local n = tonumber(ARGV[at])
  local out = {}
  for j = 1, n do out[j] = ARGV[at + j] end
  return out, at + n + 1
end
local usageKeys, at = list(2)
local requestIds, at2 = list(at)
local extraLots = list(at2)
local head = redis.call('HMGET', KEYS[1], 'version', 'debt', 'nextLotId', 'nextEntrySeq')
local ids = redis.call('SMEMBERS', KEYS[3])
for j = 1, #extraLots do ids[#ids + 1] = extraLots[j] end
return {'state', head, ids, hmget_all(KEYS[2], ids), hmget_all(KEYS[4], usageKeys), hmget_all(KEYS[5], requestIds)}
`,
);

/**
 * KEYS: head, lots, open, entries, usage, requests, lease.
 * ARGV: expected version, new version, lease token ('' for none), own request
 * ids (encoded, joined by ','; '' for none), debt, nextLotId, nextEntrySeq,
 * minExpiry ('' for none), then counted groups: lots (id, json, open
 * '1'/'0'), entries (seq, json), usage (key, value), requests (id, json).
 * One call commits one command, or several commands of one account merged
 * (a batch): the new version then counts every one of them.
 * Answers {'ok'}, {'leased'}, {'conflict', version} or {'exists', record}.
 */
export const commitAccount = script(
  "commit-account",
  `
local holder = redis.call('GET', KEYS[7])
if holder and holder ~= ARGV[3] then return {'leased'} end
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if version ~= ARGV[1] then return {'conflict', version} end
for own in string.gmatch(ARGV[4], '[^,]+') do
  local existing = redis.call('HGET', KEYS[6], own)
  if existing then return {'exists', existing} end
end
-- Validate the shape of every group before the first write.
local groups = {}
local at = 9
for g, width in ipairs({3, 2, 2, 2}) do
  local n = tonumber(ARGV[at])
  if n == nil or n < 0 or at + n * width > #ARGV then
    return redis.error_reply('coinage: malformed commit arguments')
  end
  groups[g] = {at + 1, n}
  at = at + n * width + 1
end
if at - 1 ~= #ARGV then return redis.error_reply('coinage: malformed commit arguments') end
for j = 0, groups[2][2] - 1 do
  if tonumber(ARGV[groups[2][1] + j * 2]) == nil then
    return redis.error_reply('coinage: malformed entry seq')
  end
end
-- Writes.
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'debt', ARGV[5], 'nextLotId', ARGV[6],
  'nextEntrySeq', ARGV[7], 'minExpiry', ARGV[8])
local first, n = groups[1][1], groups[1][2]
for j = 0, n - 1 do
  local i = first + j * 3
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  if ARGV[i + 2] == '1' then redis.call('SADD', KEYS[3], ARGV[i]) else redis.call('SREM', KEYS[3], ARGV[i]) end
end
first, n = groups[2][1], groups[2][2]
for j = 0, n - 1 do
  local i = first + j * 2
  redis.call('ZADD', KEYS[4], ARGV[i], ARGV[i + 1])
end
first, n = groups[3][1], groups[3][2]
for j = 0, n - 1 do
  local i = first + j * 2
  redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1])
end
first, n = groups[4][1], groups[4][2]
for j = 0, n - 1 do
  local i = first + j * 2
  redis.call('HSET', KEYS[6], ARGV[i], ARGV[i + 1])
end
return {'ok'}
`,
);

/**
 * KEYS: claim, holders. ARGV: user id, holders ttl ms. Sets the claim when
 * absent; answers its owner. When the owner is this user, counts the caller
 * among the claim's holders (calls that may still commit under it).
 */
export const claimRequest = script(
  "claim-request",
  `
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return owner end
if not owner then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return ARGV[1]
`,
);

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

/** KEYS: any string key. Answers its value or nil. */
export const getValue = script("get", "return redis.call('GET', KEYS[1])");

/** KEYS: any hash. ARGV: field. */
export const getField = script("hget", "return redis.call('HGET', KEYS[1], ARGV[1])");

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

/** KEYS: lease. ARGV: token, milliseconds. Answers 1 when taken. */
export const takeLease = script(
  "take-lease",
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`,
);

/** KEYS: lease. ARGV: token. Drops the lease only when this token holds it. */
export const dropLease = script(
  "drop-lease",
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/**
 * KEYS: expiry, expiryVersions. ARGV: member, account version, min expiry
 * ('' for none). Applies only when no later version was indexed already, so
 * updates that arrive out of order cannot put an old state back.
 */
export const setExpiry = script(
  "set-expiry",
  `
local indexed = redis.call('HGET', KEYS[2], ARGV[1])
if indexed and tonumber(indexed) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] == '' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) end
return 1
`,
);

/**
 * KEYS: expiry. ARGV: member, expiry. Adds the member, or moves it earlier;
 * never later. Written before a commit that creates an earlier expiry, so a
 * crash after the commit leaves the index early (tolerated), never missing.
 */
export const lowerExpiry = script(
  "lower-expiry",
  "return redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])",
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

/** KEYS: build set, walk set. ARGV: ttl ms. Publishes a finished build. */
export const publishDue = script(
  "publish-due",
  `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
else
  redis.call('DEL', KEYS[2])
end
return 1
`,
);

/**
 * KEYS: walk set. ARGV: exclusive start ('-' for the first), count.
 * Answers nil when the walk set does not exist (expired, or nothing due).
 */
export const walkDue = script(
  "walk-due",
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])
`,
);

/** KEYS: any key. Deletes it. */
export const dropKey = script("drop-key", "return redis.call('DEL', KEYS[1])");

/** KEYS: head. Answers {version, minExpiry}. */
export const readExpiry = script(
  "read-expiry",
  "return redis.call('HMGET', KEYS[1], 'version', 'minExpiry')",
);

/** KEYS: entries. ARGV: max score ('+inf' or '(<seq>'), count. Newest first. */
export const readHistory = script(
  "read-history",
  "return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', 0, ARGV[2])",
);

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
