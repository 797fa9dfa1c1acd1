/**
 * The program's change feed (`Store.readFeed`).
 *
 * Layout. Entries are written atomically by the commit script into the
 * account's own history (account slot). The feed is 16 Redis Streams, one
 * per expiry stripe slot (`{<p>#<k>}:feed`, k = the user's stripe), so on a
 * Cluster a program's feed is spread over 16 slots, never one hot slot.
 * Each stream entry holds the user (`u`, encoded) and the entry JSON exactly
 * as the history holds it (`e`).
 *
 * Publication is written AROUND the commit, never in it (like the expiry
 * index, see `expiry.ts`), and is idempotent:
 * - a per-stripe hash `{<p>#<k>}:feed-seq` holds, per user, the highest seq
 *   published. The publish script appends, in seq order, only the entries
 *   right after that pointer, then raises it: running it twice, or two
 *   publishers racing, publishes each entry exactly once and in seq order.
 *   A publisher whose first entry is past the pointer (a gap: another
 *   command's entries not published yet) reads the gap from the account's
 *   history and publishes it first;
 * - never miss: before its commit a command marks itself in the per-stripe
 *   set `{<p>#<k>}:feed-pending` (member `<user>.<token>`, scored by the
 *   time). The mark is sent in the same round trip as the command's first
 *   read, so it costs no round trip of its own. After the commit the command
 *   publishes its entries (it has them: they are in the change) and the
 *   publish script drops the mark once the pointer reached them. A command
 *   that commits nothing drops its mark without waiting for the answer;
 * - repair: should the process die between commit and publish, the mark
 *   stays. `readFeed` first looks, per stripe, for marks older than a grace
 *   period (`FEED_GRACE_MS`, 5 s by default, the store's `feedGraceMs`): it
 *   publishes their user's unpublished history (after the stripe pointer)
 *   and drops the mark. The account's next command publishes it too.
 *   A mark older than the grace period whose command has not committed yet
 *   is dropped as well: should that command then commit and die before it
 *   publishes, its entries wait for the account's next command. Commands
 *   take far less than the grace period; keep it above `contentionTimeoutMs`
 *   where that matters.
 *
 * Feed order and positions. Each stream is append-only and its ids only
 * grow (the publish script stamps them with the server's time in
 * microseconds, never below the stream's last id). A reader's position is
 * the vector of the last stream id it consumed per stripe: `v1:` and 16
 * comma-separated ids, `0-0` for none. A page reads forward from the vector
 * in every stripe (XRANGE with an exclusive start), merges the stripes by
 * (stream id, stripe), and takes the first `limit`; each item's position is
 * the vector after consuming it. An entry published later always gets an id
 * above every id in its stream, so it lands after any position a reader
 * already passed: no late fills. Entries of one account all live in one
 * stream, in seq order. Positions are ids stored in Redis, so they survive
 * restarts. A page reads a bounded number of entries per stripe and reads
 * more only from the stripes it used up: it costs what it lists (plus 16
 * small calls).
 *
 * Entries committed before this version of the store was deployed are
 * published when their account next commits (as a gap before its new
 * entries), or never for an account that does not.
 */
import { randomUUID } from "node:crypto";
import { type Entry, type FeedItem, type FeedPage, invalidInput } from "@coinage/core";
import type { Arg } from "./client.js";
import type { Context } from "./context.js";
import {
  decodeId,
  EXPIRY_STRIPES,
  encodeId,
  type FeedKeys,
  fromOrderedMember,
  orderedMember,
  type ProgramKeys,
} from "./keys.js";
import { parseScore } from "./lot-index.js";
import * as lua from "./scripts/feed.js";
import { groupCalls } from "./slots.js";

/** How long a pending mark waits before `readFeed` repairs its user's publication. */
export const FEED_GRACE_MS = 5_000;
/** Entries one publish call carries at most (a call blocks the server while it runs). */
const PUBLISH_CHUNK = 200;
/** Publish rounds for one user before giving up (its mark then stays for the repair). */
const PUBLISH_ROUNDS = 8;
/** Stale marks one page repairs per stripe at most (the next page goes on). */
export const REPAIR_PER_STRIPE = 50;
/** Entries a page reads per stripe at least. */
const MIN_READ = 8;

const CURSOR_VERSION = "v1:";
const NO_ID = "0-0";
const ID_PART = /^(0|[1-9][0-9]{0,19})$/;
const MAX_ID_PART = 18_446_744_073_709_551_615n;

/** One command's (or one batch account's) pending mark. */
export interface Mark {
  readonly keys: ProgramKeys;
  readonly userId: string;
  /** The member in the stripe's pending set. */
  readonly member: string;
}

/** A new mark for a command on `userId` (not written yet). */
export function newMark(keys: ProgramKeys, userId: string): Mark {
  return { keys, userId, member: `${orderedMember(userId)}.${randomUUID()}` };
}

/** One call per slot (or one in all on a single server); answers, per mark, whether it was written. */
export async function markPending(
  ctx: Context,
  marks: readonly Mark[],
  operation: string,
): Promise<PromiseSettledResult<unknown>[]> {
  const results: PromiseSettledResult<unknown>[] = new Array(marks.length);
  const items = marks.map((mark, at) => ({ mark, at, key: mark.keys.feedOf(mark.userId).pending }));
  const now = String(ctx.now());
  await Promise.all(
    groupCalls(items, !ctx.crossSlot, (item) => item.key).map(async (call) => {
      let result: PromiseSettledResult<unknown>;
      try {
        result = {
          status: "fulfilled",
          value: await ctx.scripts.run(
            operation,
            lua.markPending,
            call.map((item) => item.key),
            [now, ...call.map((item) => item.mark.member)],
          ),
        };
      } catch (reason) {
        result = { status: "rejected", reason };
      }
      for (const item of call) results[item.at] = result;
    }),
  );
  return results;
}

/**
 * Drops marks of commands that committed nothing, without waiting: a mark
 * left behind only costs the repair a look at an account with nothing to
 * publish.
 */
export function dropMarks(ctx: Context, marks: readonly Mark[], operation: string): void {
  if (marks.length === 0) return;
  const items = marks.map((mark) => ({ mark, key: mark.keys.feedOf(mark.userId).pending }));
  for (const call of groupCalls(items, !ctx.crossSlot, (item) => item.key)) {
    ctx.scripts
      .run(
        operation,
        lua.unmarkPending,
        call.map((item) => item.key),
        call.map((item) => item.mark.member),
      )
      .catch(() => undefined);
  }
}

/** A stored entry: its seq and its JSON as the history holds it. */
export interface StoredEntry {
  readonly seq: number;
  readonly json: string;
}

/** One account's committed entries to publish, and the mark to drop once they are. */
export interface Publication {
  readonly keys: ProgramKeys;
  readonly userId: string;
  /** The mark to drop once `entries` are published; `null` for none. */
  readonly mark: string | null;
  /** In seq order; the entries before the first one, when unpublished, are read from history. */
  readonly entries: readonly StoredEntry[];
  /**
   * The latest availableAt among the account's lots pending after these
   * entries (`null` or absent for none): raises the account's score in the
   * stripe's pending lots index (see `liability.ts`).
   */
  readonly pendingAt?: number | null;
}

/** A change's entries as the commit script stores them. */
export function storedEntries(entries: readonly Entry[]): StoredEntry[] {
  return entries.map((entry) => ({ seq: entry.seq, json: JSON.stringify(entry) }));
}

interface Pending {
  readonly publication: Publication;
  readonly feed: FeedKeys;
  /** What to send this round. */
  entries: readonly StoredEntry[];
  /** The seq from which the mark is done with (the last entry the publication must see out). */
  readonly through: number;
  /** Answer of the last round: the user's pointer. */
  pointer: number;
  /** What to raise the user's pending lots score to ('' for nothing). */
  pendingAt: string;
}

function pushBlock(args: Arg[], item: Pending): void {
  const { publication } = item;
  args.push(
    orderedMember(publication.userId),
    encodeId(publication.userId),
    publication.mark ?? "",
    publication.mark === null ? "" : String(item.through),
    item.pendingAt,
    item.entries.length,
  );
  for (const entry of item.entries) args.push(String(entry.seq), entry.json);
}

/**
 * Publishes the entries, filling any gap before them from the accounts'
 * history: one call per stripe (per slot group), then per account with a
 * gap one history read and one more call. Best effort: a failure leaves the
 * marks for the repair, and is thrown only when `strict`.
 */
export async function publishEntries(
  ctx: Context,
  publications: readonly Publication[],
  operation: string,
  strict = false,
): Promise<void> {
  let round: Pending[] = publications.map((publication) => {
    const last = publication.entries[publication.entries.length - 1];
    return {
      publication,
      feed: publication.keys.feedOf(publication.userId),
      entries: publication.entries.slice(0, PUBLISH_CHUNK),
      through: last?.seq ?? 0,
      pointer: 0,
      pendingAt: publication.pendingAt == null ? "" : String(publication.pendingAt),
    };
  });
  for (let attempt = 1; round.length > 0; attempt += 1) {
    const calls = groupByStripe(round);
    const failed: unknown[] = [];
    await Promise.all(
      calls.map(async (call) => {
        const args: Arg[] = [];
        for (const item of call) pushBlock(args, item);
        const stripe = (call[0] as Pending).feed;
        try {
          const replies = (await ctx.scripts.run(
            operation,
            lua.publish,
            [
              stripe.stream,
              stripe.published,
              stripe.pending,
              stripe.totals,
              stripe.balances,
              stripe.pendingLots,
            ],
            args,
          )) as (number | string)[];
          call.forEach((item, i) => {
            item.pointer = Number(replies[i]);
          });
        } catch (error) {
          failed.push(error);
          for (const item of call) item.pointer = Number.NaN;
        }
      }),
    );
    if (failed.length > 0 && strict) throw failed[0];
    // Accounts whose pointer is still short of what they must see out: a gap
    // (or a chunk) before their entries. Read on from the pointer in history.
    const behind = round.filter(
      (item) => !Number.isNaN(item.pointer) && item.pointer < item.through,
    );
    if (behind.length === 0 || attempt >= PUBLISH_ROUNDS) return;
    const reads = await Promise.allSettled(
      behind.map((item) =>
        readAfter(ctx, item.publication, item.pointer, PUBLISH_CHUNK, operation),
      ),
    );
    round = [];
    reads.forEach((read, i) => {
      const item = behind[i] as Pending;
      if (read.status === "rejected") {
        if (strict) throw read.reason;
        return;
      }
      item.entries = read.value.entries;
      item.pendingAt = laterOf(item.pendingAt, read.value.pendingAt);
      if (read.value.entries.length > 0) round.push(item);
    });
  }
}

/** The publish script takes one stripe's keys: one call per stripe, whatever the deployment. */
function groupByStripe(items: readonly Pending[]): Pending[][] {
  const byStripe = new Map<string, Pending[]>();
  for (const item of items) {
    const list = byStripe.get(item.feed.stream);
    if (list === undefined) byStripe.set(item.feed.stream, [item]);
    else list.push(item);
  }
  const calls: Pending[][] = [];
  for (const list of byStripe.values()) {
    for (let i = 0; i < list.length; i += 16) calls.push(list.slice(i, i + 16));
  }
  return calls;
}

/** The later of two pending lots scores ('' for none). */
function laterOf(a: string, b: string): string {
  if (a === "") return b;
  if (b === "") return a;
  return Number(a) >= Number(b) ? a : b;
}

/**
 * Up to `count` entries of the account's history with seq above `after`, in
 * seq order, and the latest availableAt among its open lots ('' for none).
 */
async function readAfter(
  ctx: Context,
  publication: Publication,
  after: number,
  count: number,
  operation: string,
): Promise<{ entries: StoredEntry[]; pendingAt: string }> {
  const account = publication.keys.account(publication.userId);
  const [rows, top] = (await ctx.scripts.run(
    operation,
    lua.readEntriesAfter,
    [account.entries, account.avail],
    [String(after), count],
  )) as [string[], string];
  const entries: StoredEntry[] = [];
  for (let i = 0; i + 1 < rows.length; i += 2)
    entries.push({ json: rows[i] as string, seq: Number(rows[i + 1]) });
  const latest = parseScore(top);
  return { entries, pendingAt: latest === null ? "" : String(latest) };
}

// ---------------------------------------------------------------------------
// Reading.

/** A stream id as two canonical decimal strings. */
type StreamId = readonly [string, string];

function parseId(id: string): StreamId | null {
  const dash = id.indexOf("-");
  if (dash < 0) return null;
  const ms = id.slice(0, dash);
  const seq = id.slice(dash + 1);
  if (!ID_PART.test(ms) || !ID_PART.test(seq)) return null;
  if (BigInt(ms) > MAX_ID_PART || BigInt(seq) > MAX_ID_PART) return null;
  return [ms, seq];
}

function comparePart(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIds(a: StreamId, b: StreamId): number {
  return comparePart(a[0], b[0]) || comparePart(a[1], b[1]);
}

function malformed(): never {
  throw invalidInput({
    path: "after",
    message: "expected a position returned by an earlier feed page",
  });
}

/** The position vector of a cursor (16 stream ids); every stripe at `0-0` when absent. */
export function parsePosition(after: string | undefined): string[] {
  if (after === undefined) return new Array<string>(EXPIRY_STRIPES).fill(NO_ID);
  if (typeof after !== "string" || !after.startsWith(CURSOR_VERSION)) malformed();
  const ids = after.slice(CURSOR_VERSION.length).split(",");
  if (ids.length !== EXPIRY_STRIPES) malformed();
  for (const id of ids) if (parseId(id) === null) malformed();
  return ids;
}

export function formatPosition(ids: readonly string[]): string {
  return `${CURSOR_VERSION}${ids.join(",")}`;
}

interface Buffered {
  readonly id: string;
  readonly parsed: StreamId;
  readonly userId: string;
  readonly json: string;
}

interface StripeRead {
  readonly feed: FeedKeys;
  /** The last id read (or the position's), where the next read starts. */
  from: string;
  buffer: Buffered[];
  /** Whether the stream may hold more after `from`. */
  more: boolean;
}

type RawStream = [string, string[]][];

function parseEntries(raw: RawStream): Buffered[] {
  const out: Buffered[] = [];
  for (const [id, fields] of raw) {
    let user: string | undefined;
    let json: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "u") user = fields[i + 1];
      else if (fields[i] === "e") json = fields[i + 1];
    }
    const parsed = parseId(id);
    if (user === undefined || json === undefined || parsed === null)
      throw new Error(`malformed feed stream entry ${id}`);
    out.push({ id, parsed, userId: decodeId(user), json });
  }
  return out;
}

const OP = "readFeed";

/** One stripe read from `from` (exclusive): the stale marks when `cutoff` is set, and the entries. */
async function readStripe(
  ctx: Context,
  feed: FeedKeys,
  from: string,
  count: number,
  cutoff: number | null,
): Promise<{ stale: [string, number][]; entries: Buffered[] }> {
  const [stale, raw] = (await ctx.scripts.run(
    OP,
    lua.readStripe,
    [feed.stream, feed.pending, feed.published, feed.erased],
    [
      from === NO_ID ? "-" : `(${from}`,
      count,
      cutoff === null ? "" : String(cutoff),
      REPAIR_PER_STRIPE,
    ],
  )) as [string[], RawStream];
  const marks: [string, number][] = [];
  for (let i = 0; i + 1 < stale.length; i += 2)
    marks.push([stale[i] as string, Number(stale[i + 1])]);
  return { stale: marks, entries: parseEntries(raw) };
}

/**
 * Publishes what the stale marks' users have committed and not published
 * (their history after the stripe pointer), then drops the marks.
 */
export async function repair(
  ctx: Context,
  keys: ProgramKeys,
  stale: readonly [string, number][],
  operation: string = OP,
): Promise<void> {
  const publications: Publication[] = [];
  const reads = await Promise.all(
    stale.map(async ([mark, pointer]) => {
      const userId = fromOrderedMember(mark.slice(0, mark.indexOf(".")));
      const publication: Publication = { keys, userId, mark, entries: [] };
      const read = await readAfter(ctx, publication, pointer, PUBLISH_CHUNK, operation);
      return {
        publication: {
          ...publication,
          pendingAt: read.pendingAt === "" ? null : Number(read.pendingAt),
        },
        entries: read.entries,
      };
    }),
  );
  const empty: Mark[] = [];
  for (const { publication, entries } of reads) {
    // Nothing left to publish: only the mark goes.
    if (entries.length === 0)
      empty.push({ keys, userId: publication.userId, member: publication.mark as string });
    // A full chunk may not be all: the mark stays for the next page to go on.
    else if (entries.length === PUBLISH_CHUNK)
      publications.push({ ...publication, mark: null, entries });
    else publications.push({ ...publication, entries });
  }
  // The publication drops each mark once its user's pointer reached what was read.
  if (publications.length > 0) await publishEntries(ctx, publications, operation, true);
  if (empty.length > 0) {
    const items = empty.map((mark) => ({ mark, key: keys.feedOf(mark.userId).pending }));
    await Promise.all(
      groupCalls(items, !ctx.crossSlot, (item) => item.key).map((call) =>
        ctx.scripts.run(
          operation,
          lua.unmarkPending,
          call.map((item) => item.key),
          call.map((item) => item.mark.member),
        ),
      ),
    );
  }
}

/** `Store.readFeed`; see the header. */
export async function readFeed(
  ctx: Context,
  keys: ProgramKeys,
  page: { readonly after?: string; readonly limit: number },
): Promise<FeedPage> {
  const position = parsePosition(page.after);
  const limit = page.limit;
  if (!Number.isInteger(limit) || limit <= 0) return { items: [], next: page.after ?? null };
  const batch = Math.min(limit, Math.max(MIN_READ, Math.ceil((2 * limit) / EXPIRY_STRIPES)));
  const cutoff = ctx.now() - ctx.feedGraceMs;
  const stripes: StripeRead[] = keys.feedStripes.map((feed, k) => ({
    feed,
    from: position[k] as string,
    buffer: [],
    more: true,
  }));

  // First read of every stripe, with the marks to repair.
  const first = await Promise.all(
    stripes.map((stripe) => readStripe(ctx, stripe.feed, stripe.from, batch, cutoff)),
  );
  const repaired = new Set<number>();
  const stale = first.flatMap((read, k) => {
    if (read.stale.length > 0) repaired.add(k);
    return read.stale;
  });
  if (stale.length > 0) await repair(ctx, keys, stale);
  const reread = await Promise.all(
    stripes.map((stripe, k) =>
      repaired.has(k) && first[k]?.entries.length !== batch
        ? readStripe(ctx, stripe.feed, stripe.from, batch, null)
        : (first[k] as { entries: Buffered[] }),
    ),
  );
  stripes.forEach((stripe, k) => {
    const entries = (reread[k] as { entries: Buffered[] }).entries;
    stripe.buffer = entries;
    stripe.more = entries.length === batch;
    const last = entries[entries.length - 1];
    if (last !== undefined) stripe.from = last.id;
  });

  // Merge by (stream id, stripe); a stripe used up while it may hold more is read on.
  const items: FeedItem[] = [];
  const heads = new Array<number>(EXPIRY_STRIPES).fill(0);
  const current = [...position];
  while (items.length < limit) {
    const empty = stripes.filter(
      (stripe, k) => stripe.more && (heads[k] as number) >= stripe.buffer.length,
    );
    if (empty.length > 0) {
      const count = Math.min(batch, limit - items.length);
      const more = await Promise.all(
        empty.map((stripe) => readStripe(ctx, stripe.feed, stripe.from, count, null)),
      );
      empty.forEach((stripe, i) => {
        const entries = (more[i] as { entries: Buffered[] }).entries;
        const k = stripe.feed.stripe;
        stripe.buffer = entries;
        heads[k] = 0;
        stripe.more = entries.length === count;
        const last = entries[entries.length - 1];
        if (last !== undefined) stripe.from = last.id;
      });
    }
    let best = -1;
    let bestEntry: Buffered | undefined;
    stripes.forEach((stripe, k) => {
      const entry = stripe.buffer[heads[k] as number];
      if (entry === undefined) return;
      if (bestEntry === undefined || compareIds(entry.parsed, bestEntry.parsed) < 0) {
        best = k;
        bestEntry = entry;
      }
    });
    if (bestEntry === undefined) break;
    heads[best] = (heads[best] as number) + 1;
    current[best] = bestEntry.id;
    items.push({
      position: formatPosition(current),
      userId: bestEntry.userId,
      entry: JSON.parse(bestEntry.json) as Entry,
    });
  }
  const last = items[items.length - 1];
  return { items, next: last === undefined ? (page.after ?? null) : last.position };
}
