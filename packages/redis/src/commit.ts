/**
 * Committing accounts: the commit script's arguments for one account's
 * change, and its replies. One call commits one account (a command) or
 * several (a batch on a single server, or a batch's accounts that share a
 * Cluster slot); each account is checked and written on its own, except in
 * a group's call (`together.ts`), which writes all of them or none.
 */
import { type AccountChange, CoinageError, type RequestRecord } from "@coinage/core";
import type { Arg } from "./client.js";
import type { Context } from "./context.js";
import { type AccountKeys, encodeId } from "./keys.js";
import { availMember, fifoMember, fifoScore, isOpen, parseScore } from "./lot-index.js";
import { COMMIT_KEYS, commit, commitTogether } from "./scripts/account.js";

/** The writes of one or more changes to one account, as one change (see `batch.ts`). */
export type MergedChange = Omit<AccountChange, "budget">;

/** One account's commit. */
export interface AccountWrite {
  readonly account: AccountKeys;
  /** The version read; the commit applies only if it is still the account's. */
  readonly version: number;
  /** The version after: one more per command the change holds. */
  readonly nextVersion: number;
  readonly lease: string | null;
  /** The request ids the change records; the commit applies only if none is recorded yet. */
  readonly ownRequestIds: readonly string[];
  readonly change: MergedChange;
  /**
   * A read block (see `readArgs`): on a version conflict the commit script
   * reads the account with it and answers the state, so that the caller
   * decides again without another round trip.
   */
  readonly reread?: readonly Arg[];
}

export type CommitResult =
  /** Written; `earliest` is the earliest expiry among the account's open lots now. */
  | { readonly kind: "ok"; readonly earliest: number | null }
  | { readonly kind: "leased" }
  /** `read`: the read script's reply for the account now, when the write carried `reread`. */
  | { readonly kind: "conflict"; readonly read?: unknown }
  | { readonly kind: "exists"; readonly record: RequestRecord }
  /** Not written because another account of an all-or-nothing call failed its checks. */
  | { readonly kind: "skipped" };

function pushKeys(keys: string[], account: AccountKeys): void {
  const before = keys.length;
  keys.push(
    account.head,
    account.lots,
    account.fifo,
    account.avail,
    account.entries,
    account.usage,
    account.requests,
    account.lease,
    account.legacyOpen,
  );
  if (keys.length - before !== COMMIT_KEYS)
    throw new Error("commit keys out of step with the script");
}

function pushArgs(args: Arg[], write: AccountWrite): void {
  const { change } = write;
  const totals = change.totals;
  args.push(
    String(write.version),
    String(write.nextVersion),
    write.lease ?? "",
    write.ownRequestIds.length === 0 ? "" : write.ownRequestIds.map(encodeId).join(","),
    change.debt,
    String(change.nextLotId),
    String(change.nextEntrySeq),
    totals.open,
    totals.pending,
    String(totals.asOf),
    totals.nextChangeAt === null ? "" : String(totals.nextChangeAt),
    change.lots.length,
  );
  for (const lot of change.lots) {
    const open = isOpen(lot);
    args.push(
      String(lot.id),
      JSON.stringify(lot),
      fifoMember(lot),
      availMember(lot),
      open ? fifoScore(lot) : "",
      String(lot.availableAt),
    );
  }
  args.push(change.entries.length);
  for (const entry of change.entries) args.push(String(entry.seq), JSON.stringify(entry));
  const usage = Object.entries(change.usage);
  args.push(usage.length);
  for (const [key, value] of usage) args.push(encodeId(key), value);
  args.push(change.requests.length);
  for (const record of change.requests)
    args.push(encodeId(record.requestId), JSON.stringify(record));
  if (write.reread === undefined) args.push("0");
  else args.push("1", ...write.reread);
}

function parseReply(reply: unknown, operation: string): CommitResult {
  const [kind, value, read] = reply as [string, string?, unknown?];
  switch (kind) {
    case "ok":
      return { kind: "ok", earliest: parseScore(value) };
    case "leased":
      return { kind: "leased" };
    case "conflict":
      return read === undefined ? { kind: "conflict" } : { kind: "conflict", read };
    case "exists":
      return { kind: "exists", record: JSON.parse(value as string) as RequestRecord };
    case "skipped":
      return { kind: "skipped" };
    default:
      throw new CoinageError(
        "STORE_UNAVAILABLE",
        { operation },
        { message: `Unexpected reply from the commit script: ${String(kind)}` },
      );
  }
}

/**
 * Commits the accounts in one script call; one result per account, in order.
 * With `allOrNothing` (keys of several slots: a single server only), none is
 * written unless every one passes its checks.
 */
export async function commitAccounts(
  ctx: Context,
  operation: string,
  writes: readonly AccountWrite[],
  allOrNothing = false,
): Promise<CommitResult[]> {
  const keys: string[] = [];
  const args: Arg[] = [];
  for (const write of writes) {
    pushKeys(keys, write.account);
    pushArgs(args, write);
  }
  const script = allOrNothing ? commitTogether : commit;
  const replies = (await ctx.scripts.run(operation, script, keys, args)) as unknown[];
  return replies.map((reply) => parseReply(reply, operation));
}
