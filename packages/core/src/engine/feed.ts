/**
 * `feed()`: the program's change feed over `Store.readFeed`. Validates the
 * options, reads store pages until it has `limit` entries (or the store has
 * nothing more), keeps only the users of the asked partition, and answers a
 * cursor that has moved past every entry it read, kept or skipped.
 */
import { invalidInput } from "../errors.js";
import type { FeedItem, FeedPage, Store } from "../store.js";
import { formatEntry } from "./format.js";
import type { FeedEntry, FeedResult } from "./types.js";
import { optionalSettings, pageLimit, requireRecord } from "./validate.js";

export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 1000;
export const FEED_MAX_PARTITIONS = 64;
/**
 * Longest cursor accepted, in UTF-16 code units. A store's position may hold
 * a user id (up to 200) next to its own numbers, so this is above the id limit.
 */
export const FEED_MAX_CURSOR_LENGTH = 400;
/** Store pages one call reads at most, so a sparse partition costs a bounded read per call. */
const MAX_STORE_PAGES = 20;

/**
 * The partition of a user id among `count`: FNV-1a (32 bits) over the id's
 * UTF-16 code units, modulo `count`. Stable across processes and versions:
 * a worker that owns partition `i` of `n` always sees the same users.
 */
export function feedPartition(userId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

interface FeedRequest {
  readonly after: string | null;
  readonly limit: number;
  readonly partition: { readonly index: number; readonly count: number } | undefined;
}

function smallInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidInput({ path, message: `expected an integer from ${min} to ${max}` });
  }
  return value;
}

/** The options of `feed()`, validated; every rejection is `INVALID_INPUT` at its path. */
export function feedRequest(options: unknown): FeedRequest {
  const settings = optionalSettings(options, "options");
  const limit = pageLimit(settings.limit, "limit", FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT);
  const rawAfter = settings.after;
  let after: string | null = null;
  if (rawAfter !== undefined && rawAfter !== null) {
    if (
      typeof rawAfter !== "string" ||
      rawAfter.length === 0 ||
      rawAfter.length > FEED_MAX_CURSOR_LENGTH
    ) {
      throw invalidInput({
        path: "after",
        message: `expected a cursor returned by an earlier call (a non-empty string of at most ${FEED_MAX_CURSOR_LENGTH} characters)`,
      });
    }
    after = rawAfter;
  }
  let partition: FeedRequest["partition"];
  if (settings.partition !== undefined) {
    const record = requireRecord(settings.partition, "partition");
    const count = smallInteger(record.count, "partition.count", 1, FEED_MAX_PARTITIONS);
    const index = smallInteger(record.index, "partition.index", 0, count - 1);
    partition = { index, count };
  }
  return { after, limit, partition };
}

/** `coins.feed(options)` over `store` (the engine's `call` maps the store's failures). */
export async function readFeed(
  store: Store,
  programId: string,
  options: unknown,
  call: <T>(operation: string, run: () => Promise<T>) => Promise<T>,
): Promise<FeedResult> {
  const request = feedRequest(options);
  const read = store.readFeed;
  if (typeof read !== "function") {
    throw invalidInput({
      path: "store",
      message: `the ${store.name} store has no change feed (it has no readFeed)`,
    });
  }
  const { limit, partition } = request;
  // With a partition, read wider pages: about `limit` of them are ours.
  const ask = partition === undefined ? limit : Math.min(FEED_MAX_LIMIT, limit * partition.count);
  const keep = (item: FeedItem) =>
    partition === undefined || feedPartition(item.userId, partition.count) === partition.index;
  const items: FeedEntry[] = [];
  let cursor = request.after;
  for (let round = 0; round < MAX_STORE_PAGES; round++) {
    const page: FeedPage = await call("readFeed", () =>
      read.call(store, programId, cursor === null ? { limit: ask } : { after: cursor, limit: ask }),
    );
    for (const item of page.items) {
      cursor = item.position;
      if (!keep(item)) continue;
      items.push({ userId: item.userId, position: item.position, ...formatEntry(item.entry) });
      if (items.length === limit) return { items, nextCursor: cursor };
    }
    if (page.items.length > 0 && page.next !== null) cursor = page.next;
    if (page.items.length < ask) break;
  }
  return { items, nextCursor: cursor };
}
