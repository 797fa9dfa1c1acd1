/**
 * A Lua script and its SHA1 (scripts are called with EVALSHA), and the Lua
 * helpers several scripts share. Rules every script follows:
 * - all its keys share one hash tag (see `keys.ts`), except the scripts a
 *   single server runs with keys of several tags (see `claimRead`), which the
 *   store never sends to a Cluster;
 * - it checks everything before its first write (Redis has no rollback);
 * - it never reads the clock and never does coin arithmetic: amounts are
 *   decided in core and arrive as strings; scripts compare and store them.
 *   (The read script sums remaining coins as doubles only to decide how far
 *   to read, always reading at least as far as the exact sum requires.
 *   The feed's publish script adds the liability totals exactly, on
 *   decimal strings: see `liability.ts`.)
 */
import { createHash } from "node:crypto";

export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function script(name: string, body: string): Script {
  const source = `-- coinage:${name}\n${body.trim()}\n`;
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}

/** HMGET in chunks, so a long list never exceeds Lua's `unpack` limit. */
export const HMGET_ALL = `
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

/** A counted list of ARGV from position `at`: the list and the position after it. */
export const COUNTED = `
local function counted(at)
  local n = tonumber(ARGV[at])
  local out = {}
  for j = 1, n do out[j] = ARGV[at + j] end
  return out, at + n + 1
end
`;
