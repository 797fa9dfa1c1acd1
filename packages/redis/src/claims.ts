/**
 * Request-id claims, and the call that takes them together with account
 * reads.
 *
 * A request id is unique per program, while its record lives in the account
 * that booked it. The claim `{<p>/<r>}:claim` says which user owns the id:
 * it is set if absent, before that user's commit is sent, and a command
 * commits only under a claim that names its own user. Two users sending the
 * same id at once both try to set it; Redis runs one script at a time on the
 * claim's slot, so exactly one of them gets it, and the other is answered
 * with the owner's record (`replayed`) or `IDEMPOTENCY_CONFLICT`. Within the
 * owner's account, the commit script refuses a request already recorded, so
 * one user's concurrent calls under one id book it once.
 */
import { CoinageError, type ExecuteOutcome, type RequestRecord } from "@coinage/core";
import type { Arg } from "./client.js";
import { CLAIM_HOLDERS_TTL_MS, type Context } from "./context.js";
import type { AccountKeys, ClaimKeys, ProgramKeys } from "./keys.js";
import { readKeys, recordOf } from "./reads.js";
import { claimRead } from "./scripts/account.js";
import { releaseClaim } from "./scripts/program.js";

export interface ClaimCall {
  readonly keys: ClaimKeys;
  /** The encoded user id claiming. */
  readonly user: string;
}

export interface ReadCall {
  readonly account: AccountKeys;
  readonly args: readonly Arg[];
}

export interface ClaimReadReply {
  /** The (encoded) owner of each claim, in order. */
  readonly owners: readonly string[];
  /** The read script's reply for each account, in order. */
  readonly replies: readonly unknown[];
}

/**
 * One call of the claim-read script. On a single server a claim also checks
 * its claim of version 0.1 (another slot); a Cluster call never mixes slots.
 */
export async function claimAndRead(
  ctx: Context,
  operation: string,
  claims: readonly ClaimCall[],
  reads: readonly ReadCall[],
): Promise<ClaimReadReply> {
  const width = ctx.crossSlot ? 3 : 2;
  const keys: string[] = [];
  const args: Arg[] = [claims.length, reads.length, width, CLAIM_HOLDERS_TTL_MS];
  for (const claim of claims) {
    keys.push(claim.keys.claim, claim.keys.holders);
    if (width === 3) keys.push(claim.keys.legacy);
    args.push(claim.user);
  }
  for (const read of reads) {
    keys.push(...readKeys(read.account));
    args.push(...read.args);
  }
  const [owners, replies] = (await ctx.scripts.run(operation, claimRead, keys, args)) as [
    string[],
    unknown[],
  ];
  return { owners, replies };
}

/**
 * Gives back the claim of a call that committed nothing (its decision
 * threw, or it failed before its commit was sent): when no other call of
 * the same user holds it, the request id is free again, for any user and
 * payload, as on a store with transactions. Best effort: a claim left
 * behind only keeps the id bound to its user, as a crash would.
 */
export async function unclaim(
  ctx: Context,
  claim: ClaimKeys,
  user: string,
  operation: string,
): Promise<void> {
  await ctx.scripts
    .run(operation, releaseClaim, [claim.claim, claim.holders], [user])
    .catch(() => undefined);
}

/**
 * A request id claimed by another user: that user's record (`replayed`),
 * or `null` while it has none.
 */
export async function foreignRecord(
  ctx: Context,
  keys: ProgramKeys,
  requestId: string,
  owner: string,
  operation: string,
): Promise<Extract<ExecuteOutcome<never>, { status: "replayed" }> | null> {
  const record: RequestRecord | null = await recordOf(ctx, keys, owner, requestId, operation);
  return record === null ? null : { status: "replayed", record };
}

export function idempotencyConflict(requestId: string): CoinageError {
  return new CoinageError(
    "IDEMPOTENCY_CONFLICT",
    { requestId },
    {
      message: `The requestId ${JSON.stringify(requestId)} is already taken by a command for another user.`,
    },
  );
}
