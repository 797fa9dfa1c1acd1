/**
 * The liability totals' scripts (see `liability.ts`): exact decimal addition
 * in Lua, which the feed's publish script uses to keep each stripe's
 * counters, and the reads of `readLiability`.
 */
import { script } from "./script.js";

/**
 * `dec_add(x, y)`: the exact sum of two decimal strings (`-?digits[.digits]`,
 * any number of digits), as a canonical decimal string: no leading zeros, no
 * trailing fraction zeros, `0` for zero. Lua numbers are doubles, exact only
 * to 2^53, so the digits are added as base-10^7 limbs (a limb sum stays
 * below 2^25). `dec_neg(x)`: `-x`.
 */
export const DECIMAL = `
local DEC_BASE = 10000000
local function dec_parse(s)
  local sign, int, frac = string.match(s, '^(%-?)(%d+)%.?(%d*)$')
  if int == nil then error('coinage: malformed decimal ' .. tostring(s)) end
  return sign == '-' and -1 or 1, int, frac
end
local function dec_limbs(digits)
  local out = {}
  local i = #digits
  while i > 0 do
    local j = i - 6
    if j < 1 then j = 1 end
    out[#out + 1] = tonumber(string.sub(digits, j, i))
    i = j - 1
  end
  return out
end
local function dec_top(m)
  local n = #m
  while n > 0 and m[n] == 0 do n = n - 1 end
  return n
end
local function dec_cmp(a, b)
  local na, nb = dec_top(a), dec_top(b)
  if na ~= nb then return na < nb and -1 or 1 end
  for i = na, 1, -1 do
    if a[i] ~= b[i] then return a[i] < b[i] and -1 or 1 end
  end
  return 0
end
local function dec_plus(a, b)
  local out, carry = {}, 0
  for i = 1, math.max(#a, #b) do
    local s = (a[i] or 0) + (b[i] or 0) + carry
    if s >= DEC_BASE then out[i] = s - DEC_BASE; carry = 1 else out[i] = s; carry = 0 end
  end
  if carry > 0 then out[#out + 1] = carry end
  return out
end
local function dec_minus(a, b)
  local out, borrow = {}, 0
  for i = 1, #a do
    local s = a[i] - (b[i] or 0) - borrow
    if s < 0 then out[i] = s + DEC_BASE; borrow = 1 else out[i] = s; borrow = 0 end
  end
  return out
end
local function dec_digits(m)
  local n = dec_top(m)
  if n == 0 then return '0' end
  local parts = {string.format('%d', m[n])}
  for i = n - 1, 1, -1 do parts[#parts + 1] = string.format('%07d', m[i]) end
  return table.concat(parts)
end
local function dec_add(x, y)
  local sx, ix, fx = dec_parse(x)
  local sy, iy, fy = dec_parse(y)
  local scale = math.max(#fx, #fy)
  local a = dec_limbs(ix .. fx .. string.rep('0', scale - #fx))
  local b = dec_limbs(iy .. fy .. string.rep('0', scale - #fy))
  local sign, m
  if sx == sy then
    sign, m = sx, dec_plus(a, b)
  else
    local c = dec_cmp(a, b)
    if c == 0 then return '0' end
    if c > 0 then sign, m = sx, dec_minus(a, b) else sign, m = sy, dec_minus(b, a) end
  end
  local d = dec_digits(m)
  if d == '0' then return '0' end
  if scale > 0 then
    if #d <= scale then d = string.rep('0', scale - #d + 1) .. d end
    local int = string.sub(d, 1, #d - scale)
    local frac = string.gsub(string.sub(d, #d - scale + 1), '0+$', '')
    if frac ~= '' then d = int .. '.' .. frac else d = int end
  end
  return (sign < 0 and '-' or '') .. d
end
local function dec_neg(x)
  if string.sub(x, 1, 1) == '-' then return string.sub(x, 2) end
  return '-' .. x
end
`;

/** For tests: KEYS none; ARGV: decimals. Answers their exact sum. */
export const decimalSum = script(
  "liability-sum",
  `${DECIMAL}
local sum = '0'
for i = 1, #ARGV do sum = dec_add(sum, ARGV[i]) end
return sum
`,
);

/**
 * One stripe's part of `readLiability`. KEYS: totals (hash), pending lots
 * index, expiry index, feed pending marks, feed published pointers. ARGV:
 * at (ms), cutoff of the feed's repair ('' to skip it), the most stale marks
 * to answer. First drops the pending index members whose score is at or
 * below both `at` and the stripe's latest commit instant (`~at` in the
 * totals): none of their lots is pending at any instant a read can ask from
 * now on. Answers {stale (mark, the user's published pointer) pairs as the
 * feed's read answers them, totals (field, value, ...), users pending after
 * `at`, users due at `at`}.
 */
export const readStripeTotals = script(
  "liability-stripe",
  `
local stale = {}
if ARGV[2] ~= '' then
  local marks = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
  for i = 1, #marks do
    local user = string.match(marks[i], '^([^.]*)%.') or ''
    stale[#stale + 1] = marks[i]
    stale[#stale + 1] = redis.call('HGET', KEYS[5], user) or '0'
  end
end
local totals = redis.call('HGETALL', KEYS[1])
local latest = tonumber(redis.call('HGET', KEYS[1], '~at') or '')
if latest ~= nil then
  local floor = math.min(tonumber(ARGV[1]), latest)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.0f', floor))
end
local pending = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
return {stale, totals, pending, due}
`,
);

/**
 * One account's pending and due lots. KEYS: lots, fifo, avail. ARGV: at,
 * whether to read pending lots ('1' or ''), whether to read due lots.
 * Answers {lot JSON of the open lots with availableAt > at, lot JSON of the
 * open lots with expiresAt <= at}.
 */
export const readAccountLots = script(
  "liability-account",
  `
local function lots(members)
  if #members == 0 then return {} end
  local ids = {}
  for i = 1, #members do
    local m = members[i]
    ids[i] = string.sub(m, string.find(m, ':', 1, true) + 1)
  end
  local out = {}
  local i = 1
  while i <= #ids do
    local last = math.min(i + 499, #ids)
    local part = redis.call('HMGET', KEYS[1], unpack(ids, i, last))
    for j = 1, #part do out[#out + 1] = part[j] or '' end
    i = last + 1
  end
  return out
end
local pending, due = {}, {}
if ARGV[2] == '1' then pending = lots(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf')) end
if ARGV[3] == '1' then due = lots(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) end
return {pending, due}
`,
);

/** KEYS: the expiry index of version 0.1 (program slot). ARGV: at. Answers the users due at `at`. */
export const readLegacyDue = script(
  "liability-legacy-due",
  "return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])",
);
