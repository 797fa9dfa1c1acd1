/**
 * The change feed's scripts (see `feed.ts`): each in one feed stripe's slot
 * (`{<p>#<k>}`), except `readEntriesAfter` (an account's slot). `publish`
 * is the one script that reads the clock: it stamps stream ids with the
 * server's time in microseconds (never below the stream's last id), so that
 * entries published one after the other on different stripes keep that
 * order in the merged feed.
 */
import { DECIMAL } from "./liability.js";
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
 * Publishes users' entries, each exactly once and in seq order, and keeps
 * the stripe's liability totals (see `liability.ts`). KEYS: stream,
 * published (field `~`: the stamp of the stream's last id), pending,
 * totals, balances, pending lots index. ARGV: per user a block: ordered
 * member, encoded user id, pending member ('' for none), the seq from which
 * the mark is done with ('' to keep it), the latest availableAt among the
 * account's pending lots ('' for none known), n, then n (seq, entry JSON)
 * in seq order.
 *
 * An entry is appended only when its seq is the one after the user's
 * published pointer; an entry at or below the pointer is skipped (published
 * already), and a gap stops the block (the caller reads the missing entries
 * from the account's history and calls again). The mark is dropped once the
 * pointer reaches its seq. Each entry appended adds its coins to the
 * stripe's counter of its type; a block that appended any adds the change
 * of its user's open coins and debt since the last entry published (the
 * user's field in balances) to `open` and `debt`, and raises the user's
 * score in the pending lots index to the availableAt given. Answers, per
 * block, the pointer after.
 */
export const publish = script(
  "feed-publish",
  `${DECIMAL}
local FIELD = {earn = 'earned', redeem = 'redeemed', expire = 'expired', reverse = 'reversed',
  restore = 'restored', adjust = 'adjusted'}
local NEGATED = {redeem = true, expire = true, reverse = true}
local function is_decimal(v)
  return type(v) == 'string' and string.match(v, '^%-?%d+%.?%d*$') ~= nil
end
local decoded = {}
local blocks = {}
local pos = 1
while pos <= #ARGV do
  local n = tonumber(ARGV[pos + 5])
  if n == nil or n < 0 or pos + 5 + 2 * n > #ARGV then
    return redis.error_reply('coinage: malformed feed arguments')
  end
  if ARGV[pos + 4] ~= '' and tonumber(ARGV[pos + 4]) == nil then
    return redis.error_reply('coinage: malformed feed arguments')
  end
  for j = 0, n - 1 do
    if tonumber(ARGV[pos + 6 + 2 * j]) == nil then
      return redis.error_reply('coinage: malformed feed seq')
    end
    local ok, entry = pcall(cjson.decode, ARGV[pos + 7 + 2 * j])
    if not ok or type(entry) ~= 'table' or FIELD[entry.type] == nil
      or not is_decimal(entry.coins) or not is_decimal(entry.balanceAfter)
      or not is_decimal(entry.debtAfter) then
      return redis.error_reply('coinage: malformed feed entry')
    end
    decoded[pos + 7 + 2 * j] = entry
  end
  blocks[#blocks + 1] = pos
  pos = pos + 6 + 2 * n
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
local sums = {}
local balances = {}
local latest = nil
-- A user may come in more than one block (two stale marks): later blocks go on from the earlier ones.
local pointers = {}
local after = {}
for b = 1, #blocks do
  local at = blocks[b]
  local member = ARGV[at]
  local pointer = pointers[member] or tonumber(stored[b + 1] or '0')
  local start = pointer
  local last = nil
  for j = 0, tonumber(ARGV[at + 5]) - 1 do
    local seq = tonumber(ARGV[at + 6 + 2 * j])
    if seq == pointer + 1 then
      local json = ARGV[at + 7 + 2 * j]
      redis.call('XADD', KEYS[1], id, 'u', ARGV[at + 1], 'e', json)
      pointer = seq
      last = decoded[at + 7 + 2 * j]
      local field = FIELD[last.type]
      local coins = last.coins
      if NEGATED[last.type] then coins = dec_neg(coins) end
      sums[field] = dec_add(sums[field] or '0', coins)
      if type(last.at) == 'number' and (latest == nil or last.at > latest) then latest = last.at end
    elseif seq > pointer + 1 then
      break
    end
  end
  if pointer ~= start then
    writes[#writes + 1] = member
    writes[#writes + 1] = pointer
    local open = dec_add(last.balanceAfter, last.debtAfter)
    local debt = last.debtAfter
    local before = after[member] or redis.call('HGET', KEYS[5], member)
    local openBefore, debtBefore = '0', '0'
    if before then openBefore, debtBefore = string.match(before, '^(%S+) (%S+)$') end
    sums.open = dec_add(sums.open or '0', dec_add(open, dec_neg(openBefore)))
    sums.debt = dec_add(sums.debt or '0', dec_add(debt, dec_neg(debtBefore)))
    after[member] = open .. ' ' .. debt
    balances[#balances + 1] = member
    balances[#balances + 1] = after[member]
    if ARGV[at + 4] ~= '' and (type(last.at) ~= 'number' or tonumber(ARGV[at + 4]) > last.at) then
      redis.call('ZADD', KEYS[6], 'GT', ARGV[at + 4], member)
    end
  end
  if ARGV[at + 2] ~= '' and ARGV[at + 3] ~= '' and pointer >= tonumber(ARGV[at + 3]) then
    redis.call('ZREM', KEYS[3], ARGV[at + 2])
  end
  pointers[member] = pointer
  replies[b] = pointer
end
if #writes > 0 then
  redis.call('HSET', KEYS[2], '~', string.format('%.0f', stamp), unpack(writes))
  redis.call('HSET', KEYS[5], unpack(balances))
  local names = {'~at'}
  for name in pairs(sums) do names[#names + 1] = name end
  local current = redis.call('HMGET', KEYS[4], unpack(names))
  local totals = {}
  local previous = tonumber(current[1] or '')
  if latest ~= nil and (previous == nil or latest > previous) then
    totals[#totals + 1] = '~at'
    totals[#totals + 1] = string.format('%.0f', latest)
  end
  for i = 2, #names do
    totals[#totals + 1] = names[i]
    totals[#totals + 1] = dec_add(current[i] or '0', sums[names[i]])
  end
  if #totals > 0 then redis.call('HSET', KEYS[4], unpack(totals)) end
end
return replies
`,
);

/**
 * One stripe's part of a feed page. KEYS: stream, pending, published,
 * erased entries. ARGV: start ('-' or '(<id>'), count, cutoff ('' to skip
 * the pending check), most pending marks to answer. Answers {stale,
 * entries}: stale is (mark, the user's published pointer) pairs for marks
 * set at or before the cutoff; entries is XRANGE's reply, with the erased
 * entries (see \`erase.ts\`: members \`<padded id>|<id>|<user>|<entry JSON>\`)
 * merged in at their stream ids, at most count in all.
 */
export const readStripe = script(
  "feed-read",
  `
local function padded(id)
  local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
  return string.rep('0', 20 - #ms) .. ms .. '-' .. string.rep('0', 20 - #seq) .. seq
end
local function read_entries()
  local count = tonumber(ARGV[2])
  local rows = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', count)
  local low = '-'
  if ARGV[1] ~= '-' then low = '[' .. padded(string.sub(ARGV[1], 2)) .. '}' end
  local high = '+'
  if #rows == count then high = '[' .. padded(rows[#rows][1]) .. '}' end
  local erased = redis.call('ZRANGEBYLEX', KEYS[4], low, high, 'LIMIT', 0, count)
  if #erased == 0 then return rows end
  local out, i, j = {}, 1, 1
  while #out < count and (i <= #rows or j <= #erased) do
    local member = erased[j]
    if member and (i > #rows or string.sub(member, 1, 41) < padded(rows[i][1])) then
      local a = string.find(member, '|', 43, true)
      local b = string.find(member, '|', a + 1, true)
      out[#out + 1] = {string.sub(member, 43, a - 1),
        {'u', string.sub(member, a + 1, b - 1), 'e', string.sub(member, b + 1)}}
      j = j + 1
    else
      out[#out + 1] = rows[i]
      i = i + 1
    end
  end
  return out
end
local stale = {}
if ARGV[3] ~= '' then
  local marks = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'LIMIT', 0, ARGV[4])
  for i = 1, #marks do
    local user = string.match(marks[i], '^([^.]*)%.') or ''
    stale[#stale + 1] = marks[i]
    stale[#stale + 1] = redis.call('HGET', KEYS[3], user) or '0'
  end
end
return {stale, read_entries()}
`,
);

/**
 * KEYS: entries (an account's history), avail (its open lots by
 * availableAt). ARGV: seq after which to read, count. Answers {(entry JSON,
 * seq) pairs in seq order, the latest availableAt among the open lots (''
 * for none)}.
 */
export const readEntriesAfter = script(
  "feed-entries-after",
  `
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
return {rows, top[2] or ''}
`,
);
