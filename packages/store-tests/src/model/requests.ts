/**
 * Requests built from a command's indexes and shares against the model's
 * current state: which user, event, amount, how many coins, which earlier
 * request a reversal or replay points at.
 */
import { fromUnits, HOUR, iso, units } from "../harness.js";
import { needsAmount } from "./catalog.js";
import {
  account,
  type ModelLot,
  type ModelState,
  nextRequestId,
  type Request,
  reversible,
  SCALE,
  spendableCoins,
} from "./ledger.js";

/** One coin at the program's scale, in model units. */
export const coinUnit = (state: ModelState): bigint =>
  10n ** BigInt(SCALE - state.program.coinScale);

/** `share` percent of `coins`, rounded down to the coin scale, at least one unit. */
export function shareOf(state: ModelState, coins: bigint, share: number): bigint {
  const unit = coinUnit(state);
  const part = ((coins * BigInt(share)) / 100n / unit) * unit;
  return part < unit ? unit : part;
}

export const eventAt = (state: ModelState, index: number): string => {
  const ids = [...state.events.keys()];
  return ids[index % ids.length] as string;
};
export const userAt = (state: ModelState, index: number): string =>
  state.users[index % state.users.length] as string;

/** An amount: a string, `null` = none for events that need none, `"missing"` = none even when needed. */
export type AmountSpec = string | null | "missing";

function amountFor(state: ModelState, eventId: string, amount: AmountSpec): string | undefined {
  if (amount === "missing") return undefined;
  const spec = state.events.get(eventId)?.spec;
  if (amount === null) return spec !== undefined && needsAmount(spec) ? "250" : undefined;
  return amount;
}

export function allocation(
  state: ModelState,
  user: number,
  event: number,
  amount: AmountSpec,
  special?: number,
): Extract<Request, { op: "allocate" }> {
  const eventId = eventAt(state, event);
  const value = amountFor(state, eventId, amount);
  return {
    op: "allocate",
    input: {
      userId: userAt(state, user),
      event: eventId,
      requestId: nextRequestId(state, "a", special),
      ...(value === undefined ? {} : { amount: value }),
    },
  };
}

/** A redemption of `share` percent of what the user can spend, or one coin unit more than that. */
export function redemption(
  state: ModelState,
  user: number,
  share: number | "over",
  special?: number,
): Request {
  // A share goes to a user who has coins to spend, when there is one.
  const holders = state.users.filter((u) => spendableCoins(account(state, u), state.now) > 0n);
  const userId =
    share === "over" || holders.length === 0
      ? userAt(state, user)
      : (holders[user % holders.length] as string);
  const spendable = spendableCoins(account(state, userId), state.now);
  const coins = share === "over" ? spendable + coinUnit(state) : shareOf(state, spendable, share);
  return {
    op: "redeem",
    input: { userId, coins: fromUnits(coins), requestId: nextRequestId(state, "x", special) },
  };
}

/**
 * Which request a reversal picks: any allocation or redemption; "linked":
 * a redemption that spent coins of an allocation reversed since (or of a
 * lot that expired), else an allocation whose coins were spent; "bad": an
 * adjustment or reversal (NOT_REVERSIBLE), an unknown id, or itself.
 */
export type ReverseTarget = "allocation" | "redemption" | "linked" | "bad";
export type ReverseShare = number | "whole" | "over";

function linkedTarget(state: ModelState, pick: number): string | undefined {
  const lotOf = (user: string, lotId: number) =>
    account(state, user).lots.find((l) => l.id === lotId);
  const redemptionsWith = (test: (lot: ModelLot) => boolean) =>
    state.order.filter((id) => {
      const r = state.requests.get(id);
      if (r?.op !== "redeem" || reversible(state, id) <= 0n) return false;
      return r.parts.some((p) => {
        const lot = lotOf(r.userId, p.lotId);
        return lot !== undefined && test(lot);
      });
    });
  const allocationReversed = (lot: ModelLot) => {
    const source = lot.requestId === null ? undefined : state.requests.get(lot.requestId);
    return lot.shortfall > 0n || (source !== undefined && source.reversed > 0n);
  };
  const spentAllocations = state.order.filter((id) => {
    const r = state.requests.get(id);
    if (r?.op !== "allocate" || r.lotId === null || reversible(state, id) <= 0n) return false;
    const lot = lotOf(r.userId, r.lotId);
    return lot !== undefined && lot.remaining < lot.coins;
  });
  const expiredLot = (lot: ModelLot) => lot.expiresAt !== null && lot.expiresAt <= state.now;
  // Mostly: undo a redemption whose allocation was reversed; else reverse an allocation whose
  // coins were spent (which makes such a redemption); now and then one that spent expired coins.
  const kinds =
    pick % 4 === 0
      ? [redemptionsWith(expiredLot), redemptionsWith(allocationReversed), spentAllocations]
      : [redemptionsWith(allocationReversed), spentAllocations, redemptionsWith(expiredLot)];
  const list = kinds.find((k) => k.length > 0) ?? [];
  return list[list.length - 1 - (pick % Math.max(1, list.length))];
}

export function reversal(
  state: ModelState,
  target: ReverseTarget,
  pick: number,
  share: ReverseShare,
  special?: number,
): Request {
  const requestId = nextRequestId(state, "r", special);
  let of: string | undefined;
  if (target === "bad") {
    const others = state.order.filter((id) => {
      const op = state.requests.get(id)?.op;
      return op === "adjust" || op === "reverse";
    });
    const choice = pick % 3;
    of =
      choice === 0
        ? others[pick % Math.max(1, others.length)]
        : choice === 1
          ? `unknown-${pick}`
          : requestId;
    of ??= `unknown-${pick}`;
  } else if (target === "linked") {
    of = linkedTarget(state, pick);
  } else {
    const op = target === "allocation" ? "allocate" : "redeem";
    // Mostly one with coins left to reverse; now and then any (which may have nothing left).
    const list = state.order.filter(
      (id) => state.requests.get(id)?.op === op && (pick % 5 === 0 || reversible(state, id) > 0n),
    );
    of = list[list.length - 1 - (pick % Math.max(1, list.length))];
  }
  const reversibleKinds = state.order.filter((id) => {
    const op = state.requests.get(id)?.op;
    return op === "allocate" || op === "redeem";
  });
  of ??= reversibleKinds[pick % Math.max(1, reversibleKinds.length)];
  of ??= `unknown-${pick}`;
  const left = reversible(state, of);
  if (share === "whole") return { op: "reverse", input: { requestId, of } };
  const coins = share === "over" ? left + coinUnit(state) : shareOf(state, left, share);
  return { op: "reverse", input: { requestId, of, coins: fromUnits(coins) } };
}

export type Adjustment =
  | { readonly credit: number; readonly days: number | null }
  | { readonly debit: number | "over" };

export function adjustment(state: ModelState, user: number, change: Adjustment): Request {
  const userId = userAt(state, user);
  const requestId = nextRequestId(state, "j");
  if ("credit" in change) {
    // Whole coins, plus a fraction at coin scale 2 (e.g. 5.85).
    const cents = state.program.coinScale === 2 ? BigInt((change.credit * 37) % 100) : 0n;
    const coins = BigInt(change.credit) * 10n ** BigInt(SCALE) + cents * 10n ** BigInt(SCALE - 2);
    return {
      op: "adjust",
      input: {
        userId,
        coins: fromUnits(coins),
        requestId,
        reason: "model credit",
        expiresAt: change.days === null ? null : iso(state.now + change.days * 24 * HOUR),
      },
    };
  }
  const spendable = spendableCoins(account(state, userId), state.now);
  const coins =
    change.debit === "over" ? spendable + coinUnit(state) : shareOf(state, spendable, change.debit);
  return {
    op: "adjust",
    input: { userId, coins: fromUnits(-coins), requestId, reason: "model debit" },
  };
}

/** The same request id with another payload. */
export function altered(request: Request): Request {
  switch (request.op) {
    case "allocate":
      return {
        op: "allocate",
        input: { ...request.input, amount: request.input.amount === "1" ? "2" : "1" },
      };
    case "redeem":
      return {
        op: "redeem",
        input: {
          ...request.input,
          coins: fromUnits(units(request.input.coins) + 10n ** BigInt(SCALE)),
        },
      };
    case "reverse":
      return {
        op: "reverse",
        input: { ...request.input, coins: request.input.coins === "1" ? "2" : "1" },
      };
    case "adjust":
      return { op: "adjust", input: { ...request.input, reason: "another reason" } };
  }
}
