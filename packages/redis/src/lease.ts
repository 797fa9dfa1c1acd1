/**
 * The account lease: a key in the account's slot naming one caller, which
 * the commit script honours. A command that lost its optimistic attempts
 * takes it, so a hot account makes progress in order; it expires by itself,
 * so a crashed holder delays the account at most `LEASE_MS`.
 */
import { randomUUID } from "node:crypto";
import { type Context, contention, LEASE_MS, sleep } from "./context.js";
import type { AccountKeys } from "./keys.js";
import { dropLease as dropLeaseScript, takeLease as takeLeaseScript } from "./scripts/account.js";

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
      takeLeaseScript,
      [account.lease],
      [token, LEASE_MS],
    );
    if (taken === 1) return token;
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
