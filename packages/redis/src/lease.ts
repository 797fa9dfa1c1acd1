/**
 * The account lease: a key in the account's slot naming one caller, which
 * the commit script honours. A command that lost its optimistic attempts
 * takes it, so a hot account makes progress in order; it expires by itself,
 * so a crashed holder delays the account at most `LEASE_MS`.
 *
 * A command that spends an event budget also takes it, at the version it
 * read, before it reserves: a reservation is seen by every other command of
 * the event, so the command must not then lose its account to another
 * commit and be ordered after commands that counted its coins.
 *
 * An erasure holds the lease until it is done, without expiry; a command
 * waiting for the lease finishes an erasure its caller left unfinished.
 */
import { randomUUID } from "node:crypto";
import { type Context, contention, LEASE_MS, sleep } from "./context.js";
import { resumeErasure } from "./erase.js";
import type { AccountKeys } from "./keys.js";
import { dropLease as dropLeaseScript, lockAccounts as lockScript } from "./scripts/account.js";
import { ERASURE_LEASE, takeLeaseOrHolder } from "./scripts/erase.js";
import { groupCalls } from "./slots.js";

export async function takeLease(
  ctx: Context,
  account: AccountKeys,
  deadline: number,
  operation: string,
): Promise<string> {
  const token = randomUUID();
  for (let round = 1; ; round += 1) {
    const taken = await ctx.scripts.run(
      operation,
      takeLeaseOrHolder,
      [account.lease],
      [token, LEASE_MS],
    );
    if (taken === 1) return token;
    // An erasure of the account that its caller did not see through: finish it (see erase.ts).
    if (typeof taken === "string" && taken.startsWith(ERASURE_LEASE)) {
      if (await resumeErasure(ctx, account, operation).catch(() => false)) continue;
    }
    if (Date.now() >= deadline) throw contention("the account", operation);
    await sleep(1 + Math.random() * Math.min(2 ** round, 20));
  }
}

/** Drops a lease this caller holds. Best effort: it expires by itself. */
export async function dropLease(
  ctx: Context,
  account: AccountKeys,
  lease: string,
  operation: string,
): Promise<void> {
  await ctx.scripts
    .run(operation, dropLeaseScript, [account.lease], [lease])
    .catch(() => undefined);
}

export interface Lock {
  readonly account: AccountKeys;
  readonly version: number;
  readonly token: string;
}

/**
 * Takes the leases of accounts still at the version read (one call per slot,
 * or a few on a single server); one answer per lock: 'ok', 'leased',
 * 'conflict', or the failure of its call.
 */
export async function lockAccounts(
  ctx: Context,
  locks: readonly Lock[],
  operation: string,
): Promise<(string | { readonly failed: unknown })[]> {
  const answers: (string | { readonly failed: unknown })[] = new Array(locks.length);
  const indexed = locks.map((lock, at) => ({ lock, at }));
  await Promise.all(
    groupCalls(indexed, !ctx.crossSlot, (item) => item.lock.account.lease).map(async (call) => {
      const keys: string[] = [];
      const args: (string | number)[] = [LEASE_MS];
      for (const { lock } of call) {
        keys.push(lock.account.lease, lock.account.head);
        args.push(lock.token, String(lock.version));
      }
      try {
        const replies = (await ctx.scripts.run(operation, lockScript, keys, args)) as string[];
        call.forEach((item, i) => {
          answers[item.at] = replies[i] as string;
        });
      } catch (failed) {
        for (const item of call) answers[item.at] = { failed };
      }
    }),
  );
  return answers;
}
