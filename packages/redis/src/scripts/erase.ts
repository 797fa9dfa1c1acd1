/**
 * The erasure's scripts (see `erase.ts`). Each takes the keys of one slot:
 * the erased account's (`{<p>:<u>}`), the pseudonym's account, a feed
 * stripe (`{<p>#<k>}`), or request-id claims (one slot per call on a
 * Cluster). Every one is safe to run again: an interrupted erasure is
 * finished by running its steps once more.
 */
import { publish } from "./feed.js";
import { script } from "./script.js";

/** The value of an account's lease while an erasure holds it: it never expires. */
export const ERASURE_LEASE = "erasure:";

/**
 * Takes an account's lease, or answers who holds it. KEYS: lease. ARGV:
 * token, milliseconds. Answers 1 when taken, else the holder's token.
 */
export const takeLeaseOrHolder = script(
  "take-lease-or-holder",
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return redis.call('GET', KEYS[1]) or 0
`,
);

/**
 * KEYS: erasure. Answers the erasure in progress as field, value pairs
 * (empty when none).
 */
export const readErasure = script("erase-read", "return redis.call('HGETALL', KEYS[1])");

/**
 * Commits the forfeit and records the erasure, at once. KEYS: head, lots,
 * fifo, avail, entries, usage, requests, lease, erasure. ARGV: lease token,
 * expected version, then the erasure's fields as a counted list of (field,
 * value), then the change as the commit script takes it: new version, debt,
 * nextLotId, nextEntrySeq, open, pending, asOf, nextChangeAt, and counted
 * groups of lots (id, json, fifo member, avail member, fifo score or '' when
 * closed, avail score), entries (seq, json), usage (key, value) and requests
 * (id, json).
 *
 * Checks first: no erasure in progress ('erasing'), the lease held by the
 * token ('leased'), the account at the version read ('conflict'). Then
 * writes the change, the erasure record, and turns the lease into the
 * erasure's own, without expiry: no command commits on the account until
 * the erasure is done. Answers {'ok'} or {reason}.
 */
export const beginErasure = script(
  "erase-begin",
  `
if redis.call('EXISTS', KEYS[9]) == 1 then return {'erasing'} end
if redis.call('GET', KEYS[8]) ~= ARGV[1] then return {'leased'} end
local head = redis.call('HMGET', KEYS[1], 'version', 'asOf')
if (head[1] or '0') ~= ARGV[2] or (head[1] and not head[2]) then return {'conflict'} end
local pos = 3
local n = tonumber(ARGV[pos])
local record = {}
for j = 1, 2 * n do record[j] = ARGV[pos + j] end
pos = pos + 2 * n + 1
local s = pos
pos = pos + 8
local groups = {}
for g, width in ipairs({6, 2, 2, 2}) do
  local count = tonumber(ARGV[pos])
  if count == nil or count < 0 or pos + count * width > #ARGV then
    return redis.error_reply('coinage: malformed erasure arguments')
  end
  groups[g] = {pos + 1, count}
  pos = pos + count * width + 1
end
if pos - 1 ~= #ARGV then return redis.error_reply('coinage: malformed erasure arguments') end
redis.call('HSET', KEYS[1], 'version', ARGV[s], 'debt', ARGV[s + 1], 'nextLotId', ARGV[s + 2],
  'nextEntrySeq', ARGV[s + 3], 'open', ARGV[s + 4], 'pending', ARGV[s + 5], 'asOf', ARGV[s + 6],
  'nextChangeAt', ARGV[s + 7])
local first, count = groups[1][1], groups[1][2]
for j = 0, count - 1 do
  local p = first + j * 6
  redis.call('HSET', KEYS[2], ARGV[p], ARGV[p + 1])
  if ARGV[p + 4] == '' then
    redis.call('ZREM', KEYS[3], ARGV[p + 2])
    redis.call('ZREM', KEYS[4], ARGV[p + 3])
  else
    redis.call('ZADD', KEYS[3], ARGV[p + 4], ARGV[p + 2])
    redis.call('ZADD', KEYS[4], ARGV[p + 5], ARGV[p + 3])
  end
end
for g = 2, 4 do
  first, count = groups[g][1], groups[g][2]
  for j = 0, count - 1 do
    local p = first + j * 2
    if g == 2 then
      redis.call('ZADD', KEYS[5], ARGV[p], ARGV[p + 1])
    else
      redis.call('HSET', KEYS[4 + g], ARGV[p], ARGV[p + 1])
    end
  end
end
if n > 0 then redis.call('HSET', KEYS[9], unpack(record)) end
redis.call('SET', KEYS[8], '${ERASURE_LEASE}' .. ARGV[1])
return {'ok'}
`,
);

/**
 * Reads a chunk of one key of the erased account, while its erasure to the
 * pseudonym is still in progress. KEYS: erasure, the key. ARGV: pseudonym,
 * kind ('hash': HSCAN from the cursor; 'zset': by rank from the cursor;
 * 'head': the whole hash), cursor, count. Answers {'gone'} when the
 * erasure is over (or is another one), else {next cursor ('0' at the end),
 * field or member, value or score, ...}.
 */
export const readErasedChunk = script(
  "erase-read-chunk",
  `
if redis.call('HGET', KEYS[1], 'pseudonym') ~= ARGV[1] then return {'gone'} end
local kind, cursor, count = ARGV[2], ARGV[3], tonumber(ARGV[4])
if kind == 'head' then
  local all = redis.call('HGETALL', KEYS[2])
  table.insert(all, 1, '0')
  return all
end
if kind == 'hash' then
  local page = redis.call('HSCAN', KEYS[2], cursor, 'COUNT', count)
  local out = {page[1]}
  for i = 1, #page[2] do out[#out + 1] = page[2][i] end
  return out
end
local start = tonumber(cursor)
local rows = redis.call('ZRANGE', KEYS[2], start, start + count - 1, 'WITHSCORES')
local out = {#rows < 2 * count and '0' or tostring(start + count)}
for i = 1, #rows do out[#out + 1] = rows[i] end
return out
`,
);

/**
 * Writes a chunk into the pseudonym's account. KEYS: the key. ARGV: kind
 * ('hash': field, value pairs; 'zset': member, score pairs; 'entries': seq,
 * entry JSON pairs, each replacing what the seq held), then the pairs.
 */
export const writeChunk = script(
  "erase-write-chunk",
  `
local kind = ARGV[1]
for i = 2, #ARGV, 2 do
  if kind == 'hash' then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  elseif kind == 'zset' then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  else
    redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
`,
);

/**
 * Repoints request-id claims. KEYS: claims (of this version or of version
 * 0.1). ARGV: the encoded user id, the encoded pseudonym. A claim naming
 * the user names the pseudonym afterwards; any other is left alone.
 */
export const repointClaims = script(
  "erase-claims",
  `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('SET', KEYS[i], ARGV[2]) end
end
return #KEYS
`,
);

/**
 * The feed's publication (the `publish` script) unless the erasure to the
 * pseudonym has cleared its user from the stripe already: then nothing is
 * published (the user's pointer is gone, and the entries would go out
 * twice). KEYS: those of `publish`, then the stripe's `erasedUser` key.
 */
export const publishUnlessErased = script(
  "erase-publish",
  `if redis.call('EXISTS', KEYS[7]) == 1 then return {} end
${publish.source.slice(publish.source.indexOf("\n") + 1)}`,
);

/** KEYS: stream. Answers the id of its last entry ('0-0' when empty). */
export const lastStreamId = script(
  "erase-last-id",
  `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return '0-0' end
return last[1][1]
`,
);

/**
 * KEYS: erasure. ARGV: pseudonym, then field, value pairs. Sets each field
 * not set yet, while the erasure to the pseudonym is in progress. Answers
 * the fields asked for as stored afterwards, or {'gone'}.
 */
export const noteErasure = script(
  "erase-note",
  `
if redis.call('HGET', KEYS[1], 'pseudonym') ~= ARGV[1] then return {'gone'} end
local out = {}
for i = 2, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i])
end
return out
`,
);

/**
 * A chunk of a stripe's stream, for the user's entries. KEYS: stream. ARGV:
 * start ('-' or '(<id>'), end id (inclusive), count, encoded user id.
 * Answers {last id read ('' when none), how many were read, id, entry
 * JSON, ...} for the entries of the user among those read.
 */
export const scanStream = script(
  "erase-scan",
  `
local rows = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', ARGV[3])
local out = {'', #rows}
if #rows == 0 then return out end
out[1] = rows[#rows][1]
for i = 1, #rows do
  local fields = rows[i][2]
  local user, json
  for j = 1, #fields, 2 do
    if fields[j] == 'u' then user = fields[j + 1] elseif fields[j] == 'e' then json = fields[j + 1] end
  end
  if user == ARGV[4] and json then
    out[#out + 1] = rows[i][1]
    out[#out + 1] = json
  end
end
return out
`,
);

/**
 * Moves stream entries to the stripe's erased set. KEYS: stream, erased
 * set. ARGV: (id, member) pairs, the member being the entry as erased (see
 * `erasedMember`). Each entry leaves the stream and its member takes its
 * place, in one step: a page read sees one or the other.
 */
export const replaceEntries = script(
  "erase-replace",
  `
for i = 1, #ARGV, 2 do
  redis.call('ZADD', KEYS[2], 0, ARGV[i + 1])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
return 1
`,
);

/**
 * The user's state in its stripe, unless the erasure to the pseudonym has
 * cleared it already. KEYS: published, balances, pending lots, the
 * stripe's `erasedUser` key. ARGV: the user's ordered member. Answers
 * {'cleared'} or {'state', published pointer, balance, pending lots score}
 * ('' for each one absent).
 */
export const readStripeUser = script(
  "erase-stripe-read",
  `
if redis.call('EXISTS', KEYS[4]) == 1 then return {'cleared'} end
return {'state', redis.call('HGET', KEYS[1], ARGV[1]) or '', redis.call('HGET', KEYS[2], ARGV[1]) or '',
  redis.call('ZSCORE', KEYS[3], ARGV[1]) or ''}
`,
);

/**
 * The pseudonym's state in its stripe. KEYS: published, balances, pending
 * lots, expiry index, expiry versions. ARGV: the pseudonym's ordered member,
 * published pointer, balance, pending lots score, account version, earliest
 * expiry ('' for each one absent). Each is set only where the pseudonym has
 * none yet (the expiry entry unless a later version was indexed).
 */
export const writeStripeUser = script(
  "erase-stripe-write",
  `
local m = ARGV[1]
if ARGV[2] ~= '' then redis.call('HSETNX', KEYS[1], m, ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[2], m, ARGV[3]) end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], 'GT', ARGV[4], m) end
if ARGV[6] ~= '' then
  local indexed = redis.call('HGET', KEYS[5], m)
  if not (indexed and tonumber(indexed) > tonumber(ARGV[5])) then
    redis.call('HSET', KEYS[5], m, ARGV[5])
    redis.call('ZADD', KEYS[4], ARGV[6], m)
  end
end
return 1
`,
);

/**
 * Clears the user from its stripe, once. KEYS: published, balances, pending
 * lots, expiry index, expiry versions, pending marks, the stripe's
 * `erasedUser` key. ARGV: the user's ordered member, ttl ms of the
 * `erasedUser` key. Drops the user's published pointer (a fresh account
 * under the same id publishes from its seq 1), its balance, its pending
 * lots score, its expiry index entry and its pending marks, and sets the
 * `erasedUser` key. Answers 1, or 0 when it was cleared already.
 */
export const clearStripeUser = script(
  "erase-stripe-clear",
  `
if redis.call('EXISTS', KEYS[7]) == 1 then return 0 end
local m = ARGV[1]
redis.call('HDEL', KEYS[1], m)
redis.call('HDEL', KEYS[2], m)
redis.call('ZREM', KEYS[3], m)
redis.call('ZREM', KEYS[4], m)
redis.call('HDEL', KEYS[5], m)
local prefix = m .. '.'
local marks = redis.call('ZRANGE', KEYS[6], 0, -1)
for i = 1, #marks do
  if string.sub(marks[i], 1, #prefix) == prefix then redis.call('ZREM', KEYS[6], marks[i]) end
end
redis.call('SET', KEYS[7], '1', 'PX', ARGV[2])
return 1
`,
);

/**
 * The erasure's last step: drops every key of the erased account, the
 * erasure record and its lease with them, while the erasure to the
 * pseudonym is in progress. KEYS: erasure, lease, then the account's other
 * keys. ARGV: pseudonym. Answers 1, or 0 when it was over already.
 */
export const dropErased = script(
  "erase-drop",
  `
if redis.call('HGET', KEYS[1], 'pseudonym') ~= ARGV[1] then return 0 end
for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
`,
);
