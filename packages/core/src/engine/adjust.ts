/** Manual corrections: a positive adjustment credits a new lot, a negative one spends FIFO. */
import { invalidInput } from "../errors.js";
import { earn } from "../ledger/allocate.js";
import { AccountDraft } from "../ledger/draft.js";
import { sweepExpired } from "../ledger/expire.js";
import { fingerprint } from "../ledger/fingerprint.js";
import { spend } from "../ledger/redeem.js";
import type { LotMovement } from "../ledger/types.js";
import type { Program } from "../program.js";
import type { AccountCommand } from "../store.js";
import { parseInstant } from "../time/instant.js";
import { readsAt } from "./commands.js";
import { coinText, formatBalance } from "./format.js";
import type { AdjustInput, Balance } from "./types.js";
import { optionalReason, requireCoins, requireId, requireRecord } from "./validate.js";

export interface AdjustmentResult {
  readonly requestId: string;
  readonly coins: string;
  readonly lots: readonly LotMovement[];
  readonly balance: Balance;
  /**
   * True when this answers a repeat of an earlier call with the same
   * \`requestId\` and payload: the first call's result, and nothing written.
   */
  readonly replayed: boolean;
}

export function adjustmentCommand(
  program: Program,
  input: AdjustInput,
  now: Date,
): AccountCommand<AdjustmentResult> {
  const record = requireRecord(input, "adjustment");
  const userId = requireId(record.userId, "adjustment.userId");
  const requestId = requireId(record.requestId, "adjustment.requestId");
  const coins = requireCoins(record.coins, "adjustment.coins", program.coinScale, {
    allowNegative: true,
  });
  const reason = optionalReason(record.reason, "adjustment.reason");
  if (reason === null || reason.trim() === "")
    throw invalidInput({ path: "adjustment.reason", message: "an adjustment needs a reason" });
  let expiresAt: number | null = null;
  if (record.expiresAt !== undefined && record.expiresAt !== null) {
    const parsed = parseInstant(record.expiresAt);
    if (!parsed.ok) throw invalidInput({ path: "adjustment.expiresAt", message: parsed.message });
    expiresAt = parsed.ms;
  }
  const at = now.getTime();
  const print = fingerprint({ coins: coins.toFixed(), expiresAt, op: "adjust", reason, userId });
  return {
    programId: program.id,
    userId,
    request: { requestId, fingerprint: print },
    reads: readsAt(at, coins.gt(0) ? undefined : coins.neg()),
    decide(snapshot) {
      // Checked here, not above: a replay of this request after `expiresAt`
      // has passed must still return its first result.
      if (expiresAt !== null && expiresAt <= at) {
        throw invalidInput({ path: "adjustment.expiresAt", message: "must be in the future" });
      }
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      let lots: readonly LotMovement[];
      if (coins.gt(0)) {
        const earned = earn(draft, {
          coins,
          availableAt: at,
          expiresAt,
          eventId: null,
          requestId,
          reason,
          type: "adjust",
        });
        lots = earned.lot === null ? [] : [{ lotId: earned.lot.id, coins: coins.toFixed() }];
      } else {
        lots = spend(draft, coins.neg(), { requestId, reason, type: "adjust" });
      }
      const result: AdjustmentResult = {
        requestId,
        coins: coinText(coins, program),
        lots,
        balance: formatBalance(program, userId, draft.balance(), at),
        replayed: false,
      };
      draft.putRequest({
        requestId,
        kind: "adjust",
        userId,
        fingerprint: print,
        at,
        result,
        coins: coins.abs().toFixed(),
        reversed: "0",
        lotId: null,
        parts: lots,
      });
      return { change: draft.toChange(), result };
    },
  };
}
