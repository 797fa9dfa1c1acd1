/**
 * The form editor's model, with no DOM: how the event JSON reads as form
 * fields (`formModel`), and how each form edit changes that JSON
 * (`applyEdit`). The JSON stays the source of truth: an edit changes only
 * the field it names (or, for add/remove/kind changes, the one part it
 * replaces), so everything the form does not show (`name`, `window`,
 * `metadata`, numbers written as numbers…) is kept as written. What the
 * form writes is what the JSON view shows, and `parseEvent` validates both.
 */

/** A path into the event JSON: `["reward", "tiers", 1, "percent"]`. */
export type Path = readonly (string | number)[];

export type RewardKind = "fixed" | "percentage" | "tiered";
export type DateRuleKind = "default" | "never" | "immediately" | "duration" | "endOf" | "at";
export const DURATION_UNITS = ["years", "months", "days", "hours"] as const;
export const CALENDAR_UNITS = ["day", "week", "month", "quarter", "year"] as const;
export const CAP_PERIODS = ["day", "week", "month", "year", "lifetime"] as const;

export interface TierRow {
  readonly from: string;
  readonly pays: "percent" | "coins";
  readonly value: string;
}

export interface PromotionRow {
  readonly id: string;
  readonly multiplier: string;
  /** `datetime-local` values, read as UTC. */
  readonly from: string;
  readonly until: string;
}

export interface DateRuleModel {
  /** `default`: the field is absent (never expires / spendable immediately); `other`: not readable. */
  readonly kind: DateRuleKind | "other";
  readonly years: string;
  readonly months: string;
  readonly days: string;
  readonly hours: string;
  readonly endOf: string;
  readonly plus: string;
  /** A `datetime-local` value, read as UTC. */
  readonly at: string;
}

/** The event as form fields: every value as the text an input shows. */
export interface FormModel {
  readonly reward: {
    readonly kind: RewardKind | "other";
    readonly coins: string;
    readonly percent: string;
    readonly mode: string;
    readonly tiers: readonly TierRow[];
  };
  readonly promotions: readonly PromotionRow[];
  readonly stack: string;
  readonly caps: {
    readonly perAllocation: string;
    readonly budget: string;
    readonly perUser: readonly { readonly coins: string; readonly period: string }[];
  };
  readonly minAmount: string;
  readonly expiry: DateRuleModel;
  readonly activation: DateRuleModel;
}

/** One change the form makes to the event JSON. */
export type FormEdit =
  /** Set one field; `undefined` removes it. `prune` also removes containers the removal leaves empty. */
  | { readonly kind: "set"; readonly path: Path; readonly value: unknown; readonly prune?: boolean }
  | { readonly kind: "rewardKind"; readonly to: RewardKind }
  | { readonly kind: "addTier" }
  | { readonly kind: "removeTier"; readonly index: number }
  | { readonly kind: "tierPays"; readonly index: number; readonly to: "percent" | "coins" }
  | { readonly kind: "addPromotion" }
  | { readonly kind: "removePromotion"; readonly index: number }
  | { readonly kind: "addPerUserCap" }
  | { readonly kind: "removePerUserCap"; readonly index: number }
  | {
      readonly kind: "dateRule";
      readonly field: "expiry" | "activation";
      readonly to: DateRuleKind;
    };

type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A path as `parseEvent` writes issue paths: `reward.tiers[1].percent`. */
export function pathText(path: Path): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? part : `.${part}`;
  }
  return text;
}

/**
 * Whether an issue at `issuePath` concerns the field at `fieldPath`: the
 * same path, a part of the field, or a container of it (an issue at
 * `reward.tiers[1]` marks every input of that tier).
 */
export function issueConcerns(issuePath: string, fieldPath: string): boolean {
  if (issuePath === "" || fieldPath === "") return false;
  const inside = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return inside(issuePath, fieldPath) || inside(fieldPath, issuePath);
}

/** An input's text for a JSON value: strings as they are, numbers written out, anything else empty. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return "";
}

/** An ISO-8601 instant as a `datetime-local` value in UTC (`2026-12-20T00:00`), or "" when unreadable. */
export function instantToPicker(value: unknown): string {
  if (typeof value !== "string" || !/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return "";
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString().slice(0, 16);
}

/** A `datetime-local` value (UTC) as the ISO instant the JSON holds: `2026-12-20T00:00:00Z`. */
export function pickerToInstant(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) return `${value}Z`;
  return value;
}

function readDateRule(value: unknown, keyword: "never" | "immediately"): DateRuleModel {
  const empty = { years: "", months: "", days: "", hours: "", endOf: "", plus: "", at: "" };
  if (value === undefined) return { kind: "default", ...empty };
  if (value === keyword) return { kind: keyword, ...empty };
  if (!isObject(value)) return { kind: "other", ...empty };
  if ("at" in value) return { kind: "at", ...empty, at: instantToPicker(value.at) };
  if ("endOf" in value) {
    return { kind: "endOf", ...empty, endOf: text(value.endOf), plus: text(value.plus) };
  }
  return {
    kind: "duration",
    ...empty,
    years: text(value.years),
    months: text(value.months),
    days: text(value.days),
    hours: text(value.hours),
  };
}

/** The event JSON as form fields; anything unreadable shows as empty fields. */
export function formModel(event: unknown): FormModel {
  const e = isObject(event) ? event : {};
  const reward = isObject(e.reward) ? e.reward : {};
  const kind =
    reward.kind === "fixed" || reward.kind === "percentage" || reward.kind === "tiered"
      ? reward.kind
      : "other";
  const tiers = Array.isArray(reward.tiers) ? reward.tiers : [];
  const caps = isObject(e.caps) ? e.caps : {};
  const perUser = Array.isArray(caps.perUser) ? caps.perUser : [];
  const promotions = Array.isArray(e.promotions) ? e.promotions : [];
  return {
    reward: {
      kind,
      coins: text(reward.coins),
      percent: text(reward.percent),
      mode: text(reward.mode),
      tiers: tiers.map((raw): TierRow => {
        const tier = isObject(raw) ? raw : {};
        const pays = "coins" in tier && !("percent" in tier) ? "coins" : "percent";
        return { from: text(tier.from), pays, value: text(tier[pays]) };
      }),
    },
    promotions: promotions.map((raw): PromotionRow => {
      const p = isObject(raw) ? raw : {};
      return {
        id: text(p.id),
        multiplier: text(p.multiplier),
        from: instantToPicker(p.from),
        until: instantToPicker(p.until),
      };
    }),
    stack: text(e.stack),
    caps: {
      perAllocation: text(caps.perAllocation),
      budget: text(caps.budget),
      perUser: perUser.map((raw) => {
        const cap = isObject(raw) ? raw : {};
        return { coins: text(cap.coins), period: text(cap.period) };
      }),
    },
    minAmount: text(e.minAmount),
    expiry: readDateRule(e.expiry, "never"),
    activation: readDateRule(e.activation, "immediately"),
  };
}

/** The value at `path`, or undefined. */
export function getAt(value: unknown, path: Path): unknown {
  let at = value;
  for (const part of path) {
    if (typeof part === "number") at = Array.isArray(at) ? at[part] : undefined;
    else at = isObject(at) ? at[part] : undefined;
  }
  return at;
}

/**
 * A copy of `root` with the value at `path` replaced (`undefined` removes
 * it), copying only the containers on the path; a missing or mistyped
 * container on the path is created. Keys keep their order; a new key goes
 * last. With `prune`, objects the removal leaves empty are removed too
 * (never `root` itself).
 */
export function setAt(root: Obj, path: Path, value: unknown, prune = false): Obj {
  return setIn(root, path, 0, value, prune) as Obj;
}

function setIn(container: unknown, path: Path, depth: number, value: unknown, prune: boolean) {
  const key = path[depth];
  if (key === undefined) return value;
  if (typeof key === "number") {
    const list = Array.isArray(container) ? [...container] : [];
    const next = setIn(list[key], path, depth + 1, value, prune);
    if (next === undefined) list.splice(key, 1);
    else list[key] = next;
    return list;
  }
  const obj: Obj = isObject(container) ? { ...container } : {};
  const next = setIn(obj[key], path, depth + 1, value, prune);
  if (next === undefined) delete obj[key];
  else obj[key] = next;
  if (prune && depth > 0 && Object.keys(obj).length === 0) return undefined;
  return obj;
}

export interface EditContext {
  /** The instant the page previews at (epoch ms): new promotions and `at` rules start from it. */
  readonly now: number;
}

const DAY = 86_400_000;

/** The event JSON after one form edit. `event` is not changed. */
export function applyEdit(event: Obj, edit: FormEdit, context: EditContext): Obj {
  switch (edit.kind) {
    case "set":
      return setAt(event, edit.path, edit.value, edit.prune);
    case "rewardKind":
      return setAt(event, ["reward"], rewardOfKind(event.reward, edit.to));
    case "addTier": {
      const tiers = Array.isArray(getAt(event, ["reward", "tiers"]))
        ? (getAt(event, ["reward", "tiers"]) as unknown[])
        : [];
      return setAt(event, ["reward", "tiers"], [...tiers, nextTier(tiers.at(-1))]);
    }
    case "removeTier":
      return setAt(event, ["reward", "tiers", edit.index], undefined);
    case "tierPays": {
      const tier = getAt(event, ["reward", "tiers", edit.index]);
      const t = isObject(tier) ? tier : {};
      const other = edit.to === "percent" ? "coins" : "percent";
      if (edit.to in t && !(other in t)) return event;
      const { [other]: previous, ...rest } = t;
      const value = text(t[edit.to]) || text(previous) || (edit.to === "percent" ? "5" : "100");
      return setAt(event, ["reward", "tiers", edit.index], { ...rest, [edit.to]: value });
    }
    case "addPromotion": {
      const list = Array.isArray(event.promotions) ? event.promotions : [];
      const ids = new Set(list.map((p) => (isObject(p) ? p.id : undefined)));
      let n = list.length + 1;
      while (ids.has(`promo-${n}`)) n++;
      const start = Math.floor(context.now / DAY) * DAY;
      const promotion = {
        id: `promo-${n}`,
        multiplier: "2",
        from: isoSeconds(start),
        until: isoSeconds(start + 7 * DAY),
      };
      return setAt(event, ["promotions"], [...list, promotion]);
    }
    case "removePromotion": {
      const next = setAt(event, ["promotions", edit.index], undefined);
      return Array.isArray(next.promotions) && next.promotions.length === 0
        ? setAt(next, ["promotions"], undefined)
        : next;
    }
    case "addPerUserCap": {
      const list = getAt(event, ["caps", "perUser"]);
      const caps = Array.isArray(list) ? list : [];
      const used = new Set(caps.map((c) => (isObject(c) ? c.period : undefined)));
      const period =
        ["month", "day", "week", "year", "lifetime"].find((p) => !used.has(p)) ?? "month";
      return setAt(event, ["caps", "perUser"], [...caps, { coins: "1000", period }]);
    }
    case "removePerUserCap": {
      const next = setAt(event, ["caps", "perUser", edit.index], undefined);
      const left = getAt(next, ["caps", "perUser"]);
      return Array.isArray(left) && left.length === 0
        ? setAt(next, ["caps", "perUser"], undefined, true)
        : next;
    }
    case "dateRule":
      return setAt(event, [edit.field], dateRuleOfKind(edit.field, edit.to, context));
  }
}

/** An instant as `2026-12-20T00:00:00Z` (the samples' form: whole seconds, no milliseconds). */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A reward of another kind, carrying over the rate or coins where it can. */
function rewardOfKind(previous: unknown, kind: RewardKind): Obj {
  const reward = isObject(previous) ? previous : {};
  if (reward.kind === kind) return reward;
  const tiers = Array.isArray(reward.tiers) ? reward.tiers : [];
  const first = isObject(tiers[0]) ? tiers[0] : {};
  const percent = text(reward.percent) || text(first.percent) || "5";
  const coins = text(reward.coins) || text(first.coins) || "100";
  switch (kind) {
    case "fixed":
      return { kind, coins };
    case "percentage":
      return { kind, percent };
    case "tiered":
      return reward.kind === "fixed"
        ? { kind, mode: "flat", tiers: [{ from: "0", coins }] }
        : { kind, mode: "flat", tiers: [{ from: "0", percent }] };
  }
}

/** A tier after `last`: from twice its start (1000 after 0), paying as it does. */
function nextTier(last: unknown): Obj {
  if (!isObject(last)) return { from: "0", percent: "5" };
  const from = Number(text(last.from));
  const next = !Number.isFinite(from) || from <= 0 ? 1000 : from * 2;
  const pays = "coins" in last && !("percent" in last) ? "coins" : "percent";
  return { from: String(next), [pays]: text(last[pays]) || (pays === "percent" ? "5" : "100") };
}

function dateRuleOfKind(
  field: "expiry" | "activation",
  kind: DateRuleKind,
  context: EditContext,
): unknown {
  switch (kind) {
    case "default":
      return undefined;
    case "never":
      return field === "expiry" ? "never" : undefined;
    case "immediately":
      return field === "activation" ? "immediately" : undefined;
    case "duration":
      return field === "expiry" ? { days: 90 } : { days: 7 };
    case "endOf":
      return field === "expiry" ? { endOf: "month", plus: 3 } : { endOf: "day" };
    case "at":
      return {
        at: isoSeconds(Math.floor(context.now / DAY) * DAY + (field === "expiry" ? 90 : 7) * DAY),
      };
  }
}
