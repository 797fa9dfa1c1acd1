/**
 * Concurrent steps: a batch of writes sent at once (through fast-check's
 * scheduler, which picks the order in which the store calls start, or
 * plainly in parallel), then checked for linearizability: the answers and
 * the final accounts must equal the model run on some sequential order of
 * the batch. Commands on different accounts commute (unless they share an
 * event budget or a request id), so orders are enumerated per group of
 * commands that touch the same account, budget or request id.
 */
import type { Store } from "@coinage/core";
import type fc from "fast-check";
import { expectBalance, expectFigure, expectLots, type Real } from "./checks.js";
import { account, figures, type ModelState, type Request, userOf } from "./ledger.js";
import {
  type Adjustment,
  type AmountSpec,
  adjustment,
  allocation,
  type ReverseShare,
  type ReverseTarget,
  redemption,
  reversal,
} from "./requests.js";
import { type Cmd, judge, type Model, type Outcome, send, settle, verifyAfter } from "./steps.js";

/** A store whose calls each wait for the scheduler before they start. */
export function scheduledStore(store: Store, scheduler: fc.Scheduler): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await scheduler.schedule(Promise.resolve(), `store.${String(property)}`);
        return value.apply(target, args);
      };
    },
  });
}

export type OpSpec =
  | {
      readonly t: "allocate";
      readonly user: number;
      readonly event: number;
      readonly amount: AmountSpec;
    }
  | { readonly t: "redeem"; readonly user: number; readonly share: number | "over" }
  | {
      readonly t: "reverse";
      readonly target: ReverseTarget;
      readonly pick: number;
      readonly share: ReverseShare;
    }
  | { readonly t: "adjust"; readonly user: number; readonly change: Adjustment }
  | { readonly t: "dup"; readonly index: number };

function build(state: ModelState, ops: readonly OpSpec[]): Request[] {
  const requests: Request[] = [];
  for (const op of ops) {
    switch (op.t) {
      case "allocate":
        requests.push(allocation(state, op.user, op.event, op.amount));
        break;
      case "redeem":
        requests.push(redemption(state, op.user, op.share));
        break;
      case "reverse":
        requests.push(reversal(state, op.target, op.pick, op.share));
        break;
      case "adjust":
        requests.push(adjustment(state, op.user, op.change));
        break;
      case "dup": {
        const earlier = requests[op.index % Math.max(1, requests.length)];
        requests.push(earlier ?? redemption(state, op.index, "over"));
        break;
      }
    }
  }
  return requests;
}

/**
 * The event whose budget counter a request may change: an allocation's (the
 * counter is program-wide), or the one a reversal gives back to.
 */
function budgetEvent(state: ModelState, request: Request): string | undefined {
  if (request.op === "allocate") return request.input.event;
  if (request.op !== "reverse") return undefined;
  const original = state.requests.get(request.input.of);
  return original?.budgetCounted ? (original.eventId ?? undefined) : undefined;
}

/** Groups of request indexes that share an account, a budget or a request id. */
function groups(state: ModelState, requests: readonly Request[]): number[][] {
  const parent = requests.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] as number;
    return i;
  };
  const owner = new Map<string, number>();
  const join = (key: string, i: number) => {
    const j = owner.get(key);
    if (j === undefined) owner.set(key, i);
    else parent[find(i)] = find(j);
  };
  requests.forEach((request, i) => {
    join(`id:${request.input.requestId}`, i);
    const user = userOf(state, request);
    if (user !== undefined) join(`user:${user}`, i);
    const event = budgetEvent(state, request);
    if (event !== undefined) join(`budget:${event}`, i);
  });
  const out = new Map<number, number[]>();
  requests.forEach((_, i) => {
    const root = find(i);
    out.set(root, [...(out.get(root) ?? []), i]);
  });
  return [...out.values()];
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const describeOutcome = (outcome: Outcome) =>
  outcome.ok
    ? JSON.stringify(outcome.value, (_k, v) => (typeof v === "bigint" ? String(v) : v)).slice(
        0,
        300,
      )
    : `${(outcome.error as { code?: string }).code ?? "error"}: ${(outcome.error as Error).message}`;

export class Concurrent implements Cmd {
  constructor(
    readonly ops: readonly OpSpec[],
    readonly mode: "scheduled" | "parallel",
  ) {}

  check = () => true;

  async run(model: Model, real: Real) {
    const requests = build(model.state, this.ops);
    const scheduled = this.mode === "scheduled" ? real.scheduled : undefined;
    const engine = scheduled?.coins ?? real.world.coins;
    const all = Promise.all(requests.map((request) => settle(send(engine, request))));
    const outcomes = scheduled === undefined ? await all : await scheduled.scheduler.waitFor(all);
    real.tally.commands += requests.length;
    const label = `concurrent ${this.mode} [${requests.map((r) => `${r.op} ${JSON.stringify(r.input)}`).join("; ")}]`;

    const touchedUsers = new Set<string>();
    const touchedEvents = new Set<string>();
    let state = model.state;
    for (const group of groups(state, requests)) {
      const users = new Set<string>();
      const events = new Set<string>();
      for (const i of group) {
        const request = requests[i] as Request;
        const user = userOf(state, request);
        if (user !== undefined) users.add(user);
        const event = budgetEvent(state, request);
        if (event !== undefined) events.add(event);
      }
      const actual = await Promise.all(
        [...users].map(async (user) => ({
          user,
          balance: await real.world.coins.balance(user),
          lots: await real.world.lots(
            user,
            account(state, user)
              .lots.map((lot) => lot.id)
              .concat(
                Array.from({ length: group.length }, (_, k) => account(state, user).nextLotId + k),
              ),
          ),
        })),
      );
      const budgets = await Promise.all(
        [...events]
          .filter((e) => state.events.has(e))
          .map(async (e) => ({
            event: e,
            used: await real.world.store.getBudgetUsed(real.world.programId, e),
          })),
      );
      let best: { depth: number; error: unknown; order: number[] } | undefined;
      let found: ModelState | undefined;
      for (const order of permutations(group)) {
        const trial = structuredClone(state);
        let depth = 0;
        try {
          for (const i of order) {
            judge(trial, requests[i] as Request, outcomes[i] as Outcome, `${label} #${i}`);
            depth += 1;
          }
          for (const { user, balance, lots } of actual) {
            const acc = account(trial, user);
            expectBalance(
              balance,
              figures(acc, trial.now),
              trial.program.coinValue,
              `${user} after the batch`,
            );
            expectLots(lots, acc, `${user} after the batch`);
          }
          for (const { event, used } of budgets)
            expectFigure(used, trial.budgets.get(event) ?? 0n, `budget of ${event}`);
          found = trial;
          break;
        } catch (error) {
          if (best === undefined || depth > best.depth) best = { depth, error, order };
        }
      }
      if (found === undefined) {
        const answers = group
          .map((i) => `  #${i} ${requests[i]?.op}: ${describeOutcome(outcomes[i] as Outcome)}`)
          .join("\n");
        throw new Error(
          `${label}: no sequential order of the batch explains the answers and the final state\n${answers}\nclosest order ${best?.order.join(",")}: ${(best?.error as Error)?.message}`,
          { cause: best?.error },
        );
      }
      state = found;
      for (const user of users) touchedUsers.add(user);
      for (const event of events) touchedEvents.add(event);
    }
    model.state = state;
    // No coins lost or doubled: the history of each account still sums to its lots.
    await verifyAfter(
      model,
      real,
      touchedUsers,
      [...touchedEvents].filter((e) => state.events.has(e)),
    );
  }

  toString = () => `concurrent(${this.mode}, ${JSON.stringify(this.ops)})`;
}
