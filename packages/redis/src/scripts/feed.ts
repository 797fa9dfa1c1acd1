/**
 * The change feed's scripts (see `feed.ts`): each in one feed stripe's slot
 * (`{<p>#<k>}`), except `readEntriesAfter` (an account's slot). `publish`
 * is the one script that reads the clock: it stamps stream ids with the
 * server's time in microseconds (never below the stream's last id), so that
 * entries published one after the other on different stripes keep that
 * order in the merged feed.
 */
import { script } from "./script.js";

/**
 * Marks commands that may commit entries. KEYS: a pending set per mark.
 * ARGV: the time (ms), then one member per key. Answers the number of marks.
 */
export const markPending = script(
  "feed-mark",
  `
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], ARGV[1], ARGV[i + 1]) end
return #KEYS
`,
);

/** KEYS: a pending set per mark. ARGV: one member per key. Drops the marks. */
export const unmarkPending = script(
  "feed-unmark",
  `
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[i]) end
return #KEYS
`,
);

/**
 * Publishes users' entries, each exactly once and in seq order. KEYS:
 * stream, published (field `~`: the stamp of the stream's last id), pending. ARGV: per user a block: ordered member,
 * encoded user id, pending member ('' for none), the seq from which the mark
 * is done with ('' to keep it), n, then n (seq, entry JSON) in seq order.
 *
 * An entry is appended only when its seq is the one after the user's
 * published pointer; an entry at or below the pointer is skipped (published
 * already), and a gap stops the block (the caller reads the missing entries
 * from the account's history and calls again). The mark is dropped once the
 * pointer reaches its seq. Answers, per block, the pointer after.
 */
export const publish = script(
  "feed-publish",
  `
local blocks = {}
local pos = 1
while pos <= #ARGV do
  local n = tonumber(ARGV[pos + 4])
  if n == nil or n < 0 or pos + 4 + 2 * n > #ARGV then
    return redis.error_reply('coinage: malformed feed arguments')
  end
  for j = 0, n - 1 do
    if tonumber(ARGV[pos + 5 + 2 * j]) == nil then
      return redis.error_reply('coinage: malformed feed seq')
    end
  end
  blocks[#blocks + 1] = pos
  pos = pos + 5 + 2 * n
end
local fields = {'~'}
for b = 1, #blocks do fields[b + 1] = ARGV[blocks[b]] end
local stored = redis.call('HMGET', KEYS[2], unpack(fields))
local t = redis.call('TIME')
local stamp = tonumber(t[1]) * 1000000 + tonumber(t[2])
local top = tonumber(stored[1] or '0')
if top > stamp then stamp = top end
local id = string.format('%.0f', stamp) .. '-*'
local replies = {}
local writes = {}
for b = 1, #blocks do
  local at = blocks[b]
  local member = ARGV[at]
  local pointer = tonumber(stored[b + 1] or '0')
  local start = pointer
  for j = 0, tonumber(ARGV[at + 4]) - 1 do
    local seq = tonumber(ARGV[at + 5 + 2 * j])
    if seq == pointer + 1 then
      redis.call('XADD', KEYS[1], id, 'u', ARGV[at + 1], 'e', ARGV[at + 6 + 2 * j])
      pointer = seq
    elseif seq > pointer + 1 then
      break
    end
  end
  if pointer ~= start then
    writes[#writes + 1] = member
    writes[#writes + 1] = pointer
  end
  if ARGV[at + 2] ~= '' and ARGV[at + 3] ~= '' and pointer >= tonumber(ARGV[at + 3]) then
    redis.call('ZREM', KEYS[3], ARGV[at + 2])
  end
  replies[b] = pointer
end
if #writes > 0 then
  redis.call('HSET', KEYS[2], '~', string.format('%.0f', stamp), unpack(writes))
end
return replies
`,
);

/**
 * One stripe's part of a feed page. KEYS: stream, pending, published. ARGV:
 * start ('-' or '(<id>'), count, cutoff ('' to skip the pending check),
 * most pending marks to answer. Answers {stale, entries}: stale is (mark,
 * the user's published pointer) pairs for marks set at or before the cutoff;
 * entries is XRANGE's reply.
 */
export const readStripe = script(
  "feed-read",
  `
local stale = {}
if ARGV[3] ~= '' then
  local marks = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'LIMIT', 0, ARGV[4])
  for i = 1, #marks do
    local user = string.match(marks[i], '^([^.]*)%.') or ''
    stale[#stale + 1] = marks[i]
    stale[#stale + 1] = redis.call('HGET', KEYS[3], user) or '0'
  end
end
return {stale, redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])}
`,
);

/**
 * KEYS: entries (an account's history). ARGV: seq after which to read, count.
 * Answers (entry JSON, seq) pairs in seq order.
 */
export const readEntriesAfter = script(
  "feed-entries-after",
  "return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[2])",
);
