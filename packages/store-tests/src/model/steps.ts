/**
 * One step of the model: send a request to the engine, apply it to the
 * model, compare the answers; and the checks of the accounts a step touched.
 */
import type { Coinage } from "@coinage/core";
import type fc from "fast-check";
import { units } from "../harness.js";
import {
  count,
  expectAnswer,
  expectBalance,
  expectWithinCaps,
  type Real,
  verifyBudget,
  verifyUser,
} from "./checks.js";
import {
  account,
  apply,
  type Expected,
  figures,
  type ModelState,
  type Request,
  userOf,
} from "./ledger.js";

/** fast-check's model: a box, so a concurrent step can replace the whole state with the order it chose. */
export interface Model {
  state: ModelState;
}

export type Cmd = fc.AsyncCommand<Model, Real>;

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export const settle = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export function send(coins: Coinage, request: Request): Promise<unknown> {
  switch (request.op) {
    case "allocate":
      return coins.allocate(request.input);
    case "redeem":
      return coins.redeem(request.input);
    case "reverse":
      return coins.reverse(request.input);
    case "adjust":
      return coins.adjust(request.input);
  }
}

/**
 * Send a request, apply it to the model, compare. Checks the caps are kept
 * (with the usage before the allocation) and the balance in the answer.
 */
export async function step(
  model: Model,
  real: Real,
  request: Request,
  label: string,
): Promise<Expected> {
  const outcome = await settle(send(real.world.coins, request));
  real.tally.commands += 1;
  const expected = judge(model.state, request, outcome, label);
  count(real.tally, describeExpected(request, expected));
  return expected;
}

/** A short name for the kind of answer, for the statistics. */
export function describeExpected(request: Request, expected: Expected): string {
  switch (expected.kind) {
    case "error":
      return `${request.op}: ${expected.code}`;
    case "allocate":
      return expected.reward.ineligible.length > 0
        ? `allocate: ${expected.reward.ineligible.join("|")}`
        : `allocate: ${expected.coins > 0n ? "coins" : "zero"}${expected.reward.clips.length > 0 ? " clipped" : ""}`;
    case "reverseAllocation":
      return `reverse allocation${expected.debt > 0n ? " with debt" : ""}${expected.forgiven > 0n ? " forgiven" : ""}`;
    case "reverseRedemption":
      return `reverse redemption${expected.repaid > 0n ? " repaying a reversed allocation" : ""}${expected.expired > 0n ? " expired at once" : ""}`;
    default:
      return `${request.op}: ${expected.kind}`;
  }
}

/** Apply `request` to the model and compare with the engine's `outcome`. */
export function judge(
  state: ModelState,
  request: Request,
  outcome: Outcome,
  label: string,
): Expected {
  if (request.op === "allocate" && outcome.ok && !state.requests.has(request.input.requestId)) {
    const coins = units((outcome.value as { coins: string }).coins);
    expectWithinCaps(state, request.input.userId, request.input.event, coins, label);
  }
  const expected = apply(state, request);
  expectAnswer(outcome, expected, label);
  if (expected.kind !== "replay" && expected.kind !== "error" && outcome.ok) {
    const record = state.requests.get(request.input.requestId);
    if (record !== undefined) record.result = outcome.value;
    const balance = (outcome.value as { balance?: Parameters<typeof expectBalance>[0] }).balance;
    const user = userOf(state, request);
    if (balance !== undefined && user !== undefined)
      expectBalance(
        balance,
        figures(account(state, user), state.now),
        state.program.coinValue,
        `${label}: balance in the answer`,
      );
  }
  return expected;
}

export async function verifyAfter(
  model: Model,
  real: Real,
  users: Iterable<string>,
  events: Iterable<string> = [],
) {
  for (const user of new Set(users)) await verifyUser(model.state, real, user);
  for (const event of new Set(events)) await verifyBudget(model.state, real, event);
}
