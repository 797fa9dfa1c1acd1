/**
 * Reading one account as a command or `loadAccount` needs it: the read
 * script (with the command's claim on a single server), the event budget
 * counter alongside, and the one-time migration of an account of version
 * 0.1 before it is used.
 */
import type { AccountReads, RequestRecord } from "@coinage/core";
import { type ClaimCall, claimAndRead } from "./claims.js";
import type { Context } from "./context.js";
import type { AccountKeys, ProgramKeys } from "./keys.js";
import { migrate } from "./migrate.js";
import {
  budgetUsed,
  eventVersion,
  parseRead,
  type ReadMode,
  type ReadResult,
  readArgs,
  withEventVersion,
} from "./reads.js";

export type AccountRead =
  /** The request id is claimed by another user (encoded in `owner`). */
  | { readonly kind: "foreign"; readonly owner: string }
  | { readonly kind: "replay"; readonly record: RequestRecord }
  | Extract<ReadResult, { kind: "state" }>;

/** Bound on migrations in a row (a writer of version 0.1 still running would keep the account old). */
const MAX_MIGRATIONS = 3;

/**
 * Reads an account; a command's own request id, when recorded, answers
 * `replay`. With `claim`, claims that request id first: in the same call on
 * a single server, in a call to the claim's slot sent at the same time on a
 * Cluster. The claim is settled before any commit, and the read is used only
 * when the claim is the caller's (like every read, the commit's version check
 * validates it).
 */
export async function readAccount(
  ctx: Context,
  keys: ProgramKeys,
  userId: string,
  account: AccountKeys,
  reads: AccountReads,
  requestId: string | null,
  claim: ClaimCall | null,
  mode: ReadMode,
  operation: string,
): Promise<AccountRead> {
  const call = { account, args: readArgs(reads, requestId, mode) };
  // Sent first: the claim (when any) and the read, then the budget counter.
  let sent: Promise<readonly [string | null, unknown]>;
  if (claim === null) {
    sent = claimAndRead(ctx, operation, [], [call]).then((reply) => [null, reply.replies[0]]);
  } else if (ctx.crossSlot) {
    sent = claimAndRead(ctx, operation, [claim], [call]).then((reply) => [
      reply.owners[0] as string,
      reply.replies[0],
    ]);
  } else {
    const claiming = claimAndRead(ctx, operation, [claim], []);
    const reading = claimAndRead(ctx, operation, [], [call]);
    sent = Promise.allSettled([claiming, reading]).then(([claimed, read]) => {
      if (claimed.status === "rejected") throw claimed.reason;
      const owner = claimed.value.owners[0] as string;
      if (owner === claim.user && read.status === "rejected") throw read.reason;
      return [owner, read.status === "fulfilled" ? read.value.replies[0] : undefined];
    });
  }
  const budget =
    reads.budgetEventId === undefined
      ? undefined
      : budgetUsed(ctx, keys, reads.budgetEventId, operation);
  // The event's version (program slot), sent with the others: read after the command started.
  const version =
    reads.eventId === undefined ? undefined : eventVersion(ctx, keys, reads.eventId, operation);
  // A read nobody waits for must not surface as an unhandled rejection.
  budget?.catch(() => undefined);
  version?.catch(() => undefined);
  const [owner, reply] = await sent;
  if (claim !== null && owner !== claim.user) return { kind: "foreign", owner: owner as string };
  const used = budget === undefined ? undefined : await budget;
  const stored = version === undefined ? undefined : await version;
  let result = parseRead(reply, userId, reads, used);
  for (let round = 1; result.kind === "legacy"; round += 1) {
    if (round > MAX_MIGRATIONS) throw new Error("the account kept its 0.1 layout after migrating");
    await migrate(ctx, account, result.legacy, operation);
    const again = (await claimAndRead(ctx, operation, [], [call])).replies[0];
    result = parseRead(again, userId, reads, used);
  }
  return withEventVersion(result, stored);
}
