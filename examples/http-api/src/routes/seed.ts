/**
 * The seed's five endpoints (`/api/v0`), with its paths, bodies and envelope.
 *
 * Mapping to the library: the seed's `event` (name) is the coin event's id
 * within the program, and `coinConfigId` is that same id. `amount` is a fixed
 * reward of that many coins; the optional `rule` carries everything richer.
 * `configuration` (DEFAULT/CUSTOM) is kept as `metadata.configuration`.
 */
import type { CoinEvent, EventInput, EventPatch } from "@coinage/core";
import { invalidInput } from "@coinage/core";
import {
  allocateBody,
  allocation,
  coinConfigParams,
  createEventBody,
  seedBalance,
  seedBalanceQuery,
  seedEvent,
  updateEventBody,
} from "../schemas.js";
import { headOf, requireSameProgram, ruleOf, withIssuePaths } from "./common.js";
import { defineRoute, type Route } from "./route.js";

type Configuration = "DEFAULT" | "CUSTOM";

export interface SeedEvent {
  readonly coinConfigId: string;
  readonly companyId: string;
  readonly event: string;
  readonly configuration: Configuration;
  readonly amount: number | null;
  readonly status: CoinEvent["status"];
  readonly version: number;
  readonly rule: Record<string, unknown>;
}

/** The seed-shaped view of a coin event. */
export function toSeedEvent(event: CoinEvent, companyId: string): SeedEvent {
  return {
    coinConfigId: event.id,
    companyId,
    event: event.name,
    configuration: event.metadata?.configuration === "CUSTOM" ? "CUSTOM" : "DEFAULT",
    amount: event.reward.kind === "fixed" ? Number(event.reward.coins) : null,
    status: event.status,
    version: event.version,
    rule: ruleOf(event),
  };
}

/**
 * Core reports issues against the coin event (`reward.tiers[0].from`); say
 * instead which request field they come from (`rule.reward.tiers[0].from`,
 * or `amount` when the reward was built from it).
 */
function requestPath(rewardFromAmount: boolean) {
  return (path: string): string => {
    const head = headOf(path);
    if (head === "id" || head === "name") return "event";
    if (head === "metadata") return "configuration";
    if (head === "reward" && rewardFromAmount) return "amount";
    return path === "" ? path : `rule.${path}`;
  };
}

const fixed = (amount: number) => ({ kind: "fixed", coins: String(amount) }) as const;

const TAGS = ["v0 (seed)"];

export const seedRoutes: readonly Route[] = [
  defineRoute({
    method: "post",
    path: "/api/v0/enkash-coins/create-coins-config",
    operationId: "createEvent",
    summary: "Create Event",
    description:
      "Creates a coin event. `event` (the name) becomes its id, returned as `coinConfigId`. `amount` is a fixed reward; send `rule.reward` instead for a percentage or tiered one.",
    tags: TAGS,
    body: createEventBody,
    payload: seedEvent,
    errors: [403, 409],
    async handler({ coinage, programId, body }) {
      requireSameProgram(body.companyId, programId);
      const { reward, ...rest } = body.rule ?? {};
      if (body.amount !== undefined && reward !== undefined) {
        throw invalidInput({
          path: "rule.reward",
          message: "send either amount (a fixed reward) or rule.reward, not both",
        });
      }
      const chosen = body.amount !== undefined ? fixed(body.amount) : reward;
      if (chosen === undefined) {
        throw invalidInput({ path: "amount", message: "is required (or send rule.reward)" });
      }
      const input: EventInput = {
        id: body.event,
        name: body.event,
        ...rest,
        reward: chosen,
        metadata: { configuration: body.configuration },
      };
      const created = await withIssuePaths(
        () => coinage.events.create(input),
        requestPath(body.amount !== undefined),
      );
      return toSeedEvent(created, programId);
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v0/enkash-coins/{coinConfigId}",
    operationId: "getEvent",
    summary: "Get Event",
    tags: TAGS,
    params: coinConfigParams,
    payload: seedEvent,
    errors: [404],
    async handler({ coinage, programId, params }) {
      return toSeedEvent(await coinage.events.get(params.coinConfigId), programId);
    },
  }),

  defineRoute({
    method: "patch",
    path: "/api/v0/enkash-coins/{coinConfigId}",
    operationId: "updateEvent",
    summary: "Update Event",
    description:
      "Changes any of amount, configuration and rule (each rule field replaces the stored one; `null` removes it). Coins already allocated never change. `expectedVersion` guards against lost updates.",
    tags: TAGS,
    params: coinConfigParams,
    body: updateEventBody,
    payload: seedEvent,
    errors: [403, 404, 409],
    async handler({ coinage, programId, params, body }) {
      const eventId = params.coinConfigId;
      requireSameProgram(body.companyId, programId);
      if (body.event !== undefined && body.event !== eventId) {
        throw invalidInput({
          path: "event",
          message: "the event name is the event's id and cannot change; create a new event instead",
        });
      }
      const { reward, ...rest } = body.rule ?? {};
      if (body.amount !== undefined && reward !== undefined) {
        throw invalidInput({
          path: "rule.reward",
          message: "send either amount (a fixed reward) or rule.reward, not both",
        });
      }
      const patch: { -readonly [K in keyof EventPatch]: EventPatch[K] } = { ...rest };
      if (body.amount !== undefined) patch.reward = fixed(body.amount);
      if (reward !== undefined) patch.reward = reward;
      let expectedVersion = body.expectedVersion;
      if (body.configuration !== undefined) {
        // Metadata is replaced whole: merge into what is stored, guarded by its version.
        const current = await coinage.events.get(eventId);
        expectedVersion ??= current.version;
        patch.metadata = { ...current.metadata, configuration: body.configuration };
      }
      if (Object.keys(patch).length === 0) {
        // Nothing to change (only the same name or companyId was sent).
        const current = await coinage.events.get(eventId);
        return toSeedEvent(current, programId);
      }
      const updated = await withIssuePaths(
        () =>
          coinage.events.update(
            eventId,
            patch,
            expectedVersion === undefined ? {} : { expectedVersion },
          ),
        requestPath(body.amount !== undefined),
      );
      return toSeedEvent(updated, programId);
    },
  }),

  defineRoute({
    method: "post",
    path: "/api/v0/enkash-coins/allocate-coin",
    operationId: "allocateCoins",
    summary: "Allocate Coins",
    description:
      "Allocates coins to a user for an event. Idempotent on `requestId`: the same request again returns the first result and writes nothing; the same id with another payload is 409 IDEMPOTENCY_CONFLICT.",
    tags: TAGS,
    body: allocateBody,
    payload: allocation,
    errors: [403, 404, 409, 422],
    async handler({ coinage, programId, body }) {
      requireSameProgram(body.companyId, programId);
      return coinage.allocate({
        userId: body.userId,
        event: body.event,
        requestId: body.requestId,
        ...(body.amount === undefined ? {} : { amount: body.amount }),
        ...(body.reason === undefined ? {} : { reason: body.reason }),
      });
    },
  }),

  defineRoute({
    method: "get",
    path: "/api/v0/coins/balance",
    operationId: "getBalance",
    summary: "Get Balance",
    description:
      "The user's available coins, as a number. `/api/v1/users/{userId}/balance` has the details.",
    tags: TAGS,
    query: seedBalanceQuery,
    payload: seedBalance,
    errors: [403],
    async handler({ coinage, programId, query }) {
      requireSameProgram(query.companyId, programId);
      const balance = await coinage.balance(query.userId);
      return Number(balance.available);
    },
  }),
];
