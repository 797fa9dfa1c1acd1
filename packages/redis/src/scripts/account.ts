/**
 * The scripts of a command's hot path: claim and read, commit, and the
 * one-time migration of an account written by version 0.1. Everything but
 * the request-id claims lives in the account's slot.
 *
 * Account keys, in this order wherever a script takes them: head, lots,
 * fifo, avail, entries, usage, requests, then the legacy open set for reads
 * (`ACCOUNT_KEYS`), or the lease and the legacy open set for commits
 * (`COMMIT_KEYS`).
 */
import { COUNTED, HMGET_ALL, script } from "./script.js";

/** Keys per account in `claimRead` and `commit`. */
export const ACCOUNT_KEYS = 8;

/** The lot id at the end of an index member (see `lot-index.ts`). */
const LOT_ID = `
local function lot_id(member)
  return string.sub(member, string.find(member, ':', 1, true) + 1)
end
`;

/**
 * One account read. K: head, lots, fifo, avail, entries, usage, requests,
 * legacy open set. ARGV from position `a`: own request id ('' for none), at, spend
 * ('' for none), mode ('' or 'all'), then counted lists: usage keys, request
 * ids, lot ids. Answers the reply and the position after the block:
 * - {'replay', record} when the own request is recorded;
 * - {'legacy', head, lot ids, lots, usage, requests, last entry}: an account
 *   of version 0.1 (no totals), with every open lot and its newest entry;
 * - {'state', head, lot ids, lots, spend ids, spend lots, usage, requests}:
 *   the lots asked for, the due ones (expiresAt <= at), the activated ones
 *   (availableAt between asOf and at), the next-expiry group, the next
 *   activation (mode 'all': every open lot instead), and, when spend is set,
 *   the spend lots: open lots not expired at `at` in FIFO order until the
 *   spendable ones among them hold more than spend, then the rest of the last
 *   one's expiry group (see core's `AccountSnapshot.lots`). That sum is
 *   taken in doubles with a margin (exact for whole numbers below 10^15), so
 *   the list can hold more lots than the rule picks, never fewer; the store
 *   cuts it exactly.
 */
const READ_ACCOUNT = `${HMGET_ALL}${COUNTED}${LOT_ID}
local function whole(s)
  return #s <= 15 and string.find(s, '^%d+$') ~= nil
end
local function spend_scan(K, at, spend)
  local ids, rows, seen = {}, {}, {}
  local need = tonumber(spend)
  if need == nil then return ids, rows end
  local exact = whole(spend)
  local past = need * (1 + 1e-9)
  local held, offset, instant = 0, 0, tonumber(at)
  local function take(member)
    local id = lot_id(member)
    if seen[id] then return nil end
    seen[id] = true
    local json = redis.call('HGET', K[2], id)
    ids[#ids + 1] = id
    rows[#rows + 1] = json
    return json
  end
  while true do
    local page = redis.call('ZRANGEBYSCORE', K[3], '(' .. at, '+inf', 'WITHSCORES', 'LIMIT', offset, 64)
    if #page == 0 then return ids, rows end
    for j = 1, #page, 2 do
      local json = take(page[j])
      local lot = json and cjson.decode(json)
      if lot and lot.availableAt <= instant then
        local remaining = lot.remaining
        if exact and not whole(remaining) then exact = false end
        held = held + tonumber(remaining)
        if exact and held >= 9e15 then exact = false end
        if (exact and held > need) or ((not exact) and held > past) then
          if page[j + 1] ~= 'inf' then
            local group = redis.call('ZRANGEBYSCORE', K[3], page[j + 1], page[j + 1])
            for g = 1, #group do take(group[g]) end
          end
          return ids, rows
        end
      end
    end
    offset = offset + #page / 2
  end
end
local function read_account(K, a)
  local own, at, spend, mode = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local usageKeys, b = counted(a + 4)
  local requestIds, c = counted(b)
  local lotIds, after = counted(c)
  if own ~= '' then
    local record = redis.call('HGET', K[7], own)
    if record then return {'replay', record}, after end
  end
  local head = redis.call('HMGET', K[1], 'version', 'debt', 'nextLotId', 'nextEntrySeq',
    'open', 'pending', 'asOf', 'nextChangeAt')
  local usage = hmget_all(K[6], usageKeys)
  local requests = hmget_all(K[7], requestIds)
  if head[1] and not head[7] then
    local ids = redis.call('SMEMBERS', K[8])
    for j = 1, #lotIds do ids[#ids + 1] = lotIds[j] end
    local last = redis.call('ZRANGE', K[5], -1, -1)
    return {'legacy', head, ids, hmget_all(K[2], ids), usage, requests, last[1] or ''}, after
  end
  local seen, fixed = {}, {}
  local function add(members)
    for j = 1, #members do
      local id = lot_id(members[j])
      if not seen[id] then
        seen[id] = true
        fixed[#fixed + 1] = id
      end
    end
  end
  for j = 1, #lotIds do
    if not seen[lotIds[j]] then
      seen[lotIds[j]] = true
      fixed[#fixed + 1] = lotIds[j]
    end
  end
  local spendIds, spendRows = {}, {}
  if head[1] then
    if mode == 'all' then
      add(redis.call('ZRANGE', K[3], 0, -1))
    else
      local later = '(' .. at
      add(redis.call('ZRANGEBYSCORE', K[3], '-inf', at))
      local upcoming = redis.call('ZRANGEBYSCORE', K[3], later, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
      if #upcoming > 0 and upcoming[2] ~= 'inf' then
        add(redis.call('ZRANGEBYSCORE', K[3], upcoming[2], upcoming[2]))
      end
      local instant, asOf = tonumber(at), tonumber(head[7])
      if instant > asOf then
        add(redis.call('ZRANGEBYSCORE', K[4], '(' .. head[7], at))
      elseif instant < asOf then
        add(redis.call('ZRANGEBYSCORE', K[4], later, head[7]))
      end
      add(redis.call('ZRANGEBYSCORE', K[4], later, '+inf', 'LIMIT', 0, 1))
      if spend ~= '' then spendIds, spendRows = spend_scan(K, at, spend) end
    end
  end
  return {'state', head, fixed, hmget_all(K[2], fixed), spendIds, spendRows, usage, requests}, after
end
`;

/**
 * Claims request ids and reads accounts, in one script. On a single server
 * one call does both for a command; on a Cluster the store sends the claims
 * (each in its request id's slot) and the reads (each in its account's slot)
 * as separate calls of this same script.
 *
 * KEYS: per claim W keys (claim, holders and, when W is 3, the claim of
 * version 0.1), then per account 8 keys (see `READ_ACCOUNT`).
 * ARGV: claims C, accounts A, W, holders ttl ms, C (encoded) user ids, then
 * A read blocks.
 *
 * A claim is set when absent (and no claim of version 0.1 names another
 * user); its answer is the owner. When the owner is the claimant, the call
 * counts among the claim's holders (calls that may still commit under it).
 * Answers {owners, replies}.
 */
export const claimRead = script(
  "claim-read",
  `${READ_ACCOUNT}
local C, A, W, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local owners = {}
for i = 1, C do
  local k = (i - 1) * W
  local user = ARGV[4 + i]
  local owner = redis.call('GET', KEYS[k + 1])
  if not owner and W == 3 then
    local legacy = redis.call('GET', KEYS[k + 3])
    if legacy and legacy ~= user then owner = legacy end
  end
  if not owner then
    redis.call('SET', KEYS[k + 1], user)
    owner = user
  end
  if owner == user then
    redis.call('INCR', KEYS[k + 2])
    redis.call('PEXPIRE', KEYS[k + 2], ttl)
  end
  owners[i] = owner
end
local replies = {}
local a = 5 + C
for i = 1, A do
  local k = C * W + (i - 1) * 8
  replies[i], a = read_account({KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4],
    KEYS[k + 5], KEYS[k + 6], KEYS[k + 7], KEYS[k + 8]}, a)
end
return {owners, replies}
`,
);

/** Keys per account in `commit`: those of a read (`ACCOUNT_KEYS`) and the lease. */
export const COMMIT_KEYS = 9;

/**
 * Commits one or more accounts: one block of ARGV per account, 9 KEYS per
 * account (head, lots, fifo, avail, entries, usage, requests, lease, legacy
 * open set).
 *
 * A block: expected version, new version, lease token ('' for none), own
 * request ids (encoded, joined by ','), debt, nextLotId, nextEntrySeq, the
 * totals (open, pending, asOf, nextChangeAt with '' for none), then counted
 * groups: lots (id, json, fifo member, avail member, fifo score or '' when
 * closed, avail score), entries (seq, json), usage (key, value), requests
 * (id, json); then '1' and a read block (see `READ_ACCOUNT`), or '0'.
 *
 * Every block's shape, and every account's lease, version and request
 * records, are checked before the first write; accounts that pass are
 * written, and a lease the block held is dropped. One reply per account:
 * {'ok', earliest expiry of its open lots ('' for none)}, {'leased'}, {'conflict', version, read reply} (the read
 * when the block carries one: the caller decides again at once) or
 * {'exists', record}. An account of version 0.1 (no totals) answers
 * 'conflict': its read migrates it.
 */
function commitSource(allOrNothing: boolean): string {
  return `${READ_ACCOUNT}
local function skip_read(pos)
  pos = pos + 4
  for list = 1, 3 do
    local n = tonumber(ARGV[pos])
    if n == nil or n < 0 then return nil end
    pos = pos + n + 1
  end
  return pos
end
local widths = {6, 2, 2, 2}
local blocks = {}
local at = 1
for i = 1, #KEYS / 9 do
  local pos = at + 11
  local groups = {}
  for g = 1, 4 do
    local n = tonumber(ARGV[pos])
    if n == nil or n < 0 or pos + n * widths[g] > #ARGV then
      return redis.error_reply('coinage: malformed commit arguments')
    end
    groups[g] = {pos + 1, n}
    pos = pos + n * widths[g] + 1
  end
  for j = 0, groups[2][2] - 1 do
    if tonumber(ARGV[groups[2][1] + j * 2]) == nil then
      return redis.error_reply('coinage: malformed entry seq')
    end
  end
  local read = false
  if ARGV[pos] == '1' then
    read = pos + 1
    pos = skip_read(pos + 1)
  elseif ARGV[pos] == '0' then
    pos = pos + 1
  else
    pos = nil
  end
  if pos == nil or pos - 1 > #ARGV then
    return redis.error_reply('coinage: malformed commit arguments')
  end
  blocks[i] = {at, groups, read}
  at = pos
end
if at - 1 ~= #ARGV then return redis.error_reply('coinage: malformed commit arguments') end
local replies = {}
for i = 1, #blocks do
  local k, s = (i - 1) * 9, blocks[i][1]
  local holder = redis.call('GET', KEYS[k + 8])
  if holder and holder ~= ARGV[s + 2] then
    replies[i] = {'leased'}
  else
    local head = redis.call('HMGET', KEYS[k + 1], 'version', 'asOf')
    local version = head[1] or '0'
    if version ~= ARGV[s] or (head[1] and not head[2]) then
      if blocks[i][3] then
        local fresh = read_account({KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4],
          KEYS[k + 5], KEYS[k + 6], KEYS[k + 7], KEYS[k + 9]}, blocks[i][3])
        replies[i] = {'conflict', version, fresh}
      else
        replies[i] = {'conflict', version}
      end
    else
      for own in string.gmatch(ARGV[s + 3], '[^,]+') do
        local existing = redis.call('HGET', KEYS[k + 7], own)
        if existing then
          replies[i] = {'exists', existing}
          break
        end
      end
    end
  end
end
${allOrNothing ? ALL_OR_NOTHING : ""}
for i = 1, #blocks do
  if not replies[i] then
    local k, s, groups = (i - 1) * 9, blocks[i][1], blocks[i][2]
    redis.call('HSET', KEYS[k + 1], 'version', ARGV[s + 1], 'debt', ARGV[s + 4],
      'nextLotId', ARGV[s + 5], 'nextEntrySeq', ARGV[s + 6], 'open', ARGV[s + 7],
      'pending', ARGV[s + 8], 'asOf', ARGV[s + 9], 'nextChangeAt', ARGV[s + 10])
    local first, n = groups[1][1], groups[1][2]
    for j = 0, n - 1 do
      local p = first + j * 6
      redis.call('HSET', KEYS[k + 2], ARGV[p], ARGV[p + 1])
      if ARGV[p + 4] == '' then
        redis.call('ZREM', KEYS[k + 3], ARGV[p + 2])
        redis.call('ZREM', KEYS[k + 4], ARGV[p + 3])
      else
        redis.call('ZADD', KEYS[k + 3], ARGV[p + 4], ARGV[p + 2])
        redis.call('ZADD', KEYS[k + 4], ARGV[p + 5], ARGV[p + 3])
      end
    end
    first, n = groups[2][1], groups[2][2]
    for j = 0, n - 1 do
      redis.call('ZADD', KEYS[k + 5], ARGV[first + j * 2], ARGV[first + j * 2 + 1])
    end
    first, n = groups[3][1], groups[3][2]
    for j = 0, n - 1 do
      redis.call('HSET', KEYS[k + 6], ARGV[first + j * 2], ARGV[first + j * 2 + 1])
    end
    first, n = groups[4][1], groups[4][2]
    for j = 0, n - 1 do
      redis.call('HSET', KEYS[k + 7], ARGV[first + j * 2], ARGV[first + j * 2 + 1])
    end
    -- A lease this commit held is done with.
    if ARGV[s + 2] ~= '' then redis.call('DEL', KEYS[k + 8]) end
    local earliest = redis.call('ZRANGE', KEYS[k + 3], 0, 0, 'WITHSCORES')
    replies[i] = {'ok', earliest[2] or ''}
  end
end
return replies
`;
}

/** In `commitTogether`: when any account fails its checks, none is written; the others answer {'skipped'}. */
const ALL_OR_NOTHING = `
for i = 1, #blocks do
  if replies[i] then
    for j = 1, #blocks do
      if not replies[j] then replies[j] = {'skipped'} end
    end
    return replies
  end
end
`;

export const commit = script("commit", commitSource(false));

/**
 * `commit`, all or nothing: the accounts of a group (`Store.executeTogether`
 * on a single server) are written together only when every one passes its
 * checks.
 */
export const commitTogether = script("commit-together", commitSource(true));

/**
 * Migrates an account written by version 0.1: writes the totals the store
 * computed from its open lots and builds the two lot indexes, then drops the
 * old open set. Only when the account is still at the version read and has
 * no totals yet (so two callers migrating at once write it once).
 * KEYS: head, fifo, avail, legacy open set. ARGV: version, open, pending,
 * asOf, nextChangeAt ('' for none), then (fifo member, avail member, fifo
 * score, avail score) per open lot. Answers 1 when migrated.
 */
export const migrateAccount = script(
  "migrate-account",
  `
local head = redis.call('HMGET', KEYS[1], 'version', 'asOf')
if (head[1] or '0') ~= ARGV[1] or head[2] then return 0 end
if (#ARGV - 5) % 4 ~= 0 then return redis.error_reply('coinage: malformed migration arguments') end
redis.call('HSET', KEYS[1], 'open', ARGV[2], 'pending', ARGV[3], 'asOf', ARGV[4], 'nextChangeAt', ARGV[5])
redis.call('HDEL', KEYS[1], 'minExpiry')
for i = 6, #ARGV, 4 do
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
  redis.call('ZADD', KEYS[3], ARGV[i + 3], ARGV[i + 1])
end
redis.call('DEL', KEYS[4])
return 1
`,
);

/**
 * Takes the lease of accounts that are still at the version read, so that
 * nothing else commits on them until the caller has reserved an event budget
 * and committed. KEYS: per account (lease, head). ARGV: milliseconds, then
 * per account (token, expected version). One reply per account: 'ok' (the
 * token holds the lease), 'leased' (another token does) or 'conflict'.
 */
export const lockAccounts = script(
  "lock-accounts",
  `
local replies = {}
for i = 1, #KEYS / 2 do
  local token, expected = ARGV[2 * i], ARGV[2 * i + 1]
  local holder = redis.call('GET', KEYS[2 * i - 1])
  if holder and holder ~= token then
    replies[i] = 'leased'
  elseif (redis.call('HGET', KEYS[2 * i], 'version') or '0') ~= expected then
    replies[i] = 'conflict'
  else
    redis.call('SET', KEYS[2 * i - 1], token, 'PX', ARGV[1])
    replies[i] = 'ok'
  end
end
return replies
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

/** KEYS: entries. ARGV: max score ('+inf' or '(<seq>'), count. Newest first. */
export const readHistory = script(
  "read-history",
  "return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'LIMIT', 0, ARGV[2])",
);

/**
 * KEYS: head, fifo. Answers {version, earliest expiry of an open lot} ('' for
 * none; 'inf' when only never-expiring lots are open). For an account of
 * version 0.1, the earliest expiry its head kept.
 */
export const readEarliestExpiry = script(
  "read-earliest-expiry",
  `
local head = redis.call('HMGET', KEYS[1], 'version', 'asOf', 'minExpiry')
if head[1] and not head[2] then return {head[1], head[3] or ''} end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {head[1] or '0', first[2] or ''}
`,
);
