/**
 * Pure helpers of the page: "why N coins" as sentences, the lots editor's
 * parsing, and error formatting. No DOM here.
 */
import {
  CoinageError,
  type InputIssue,
  isDecimalString,
  type Lot,
  type Program,
  type RewardPreview,
} from "@coinage/core";

const INELIGIBLE: Readonly<Record<string, string>> = {
  paused: "the event is paused",
  archived: "the event is archived",
  before_window: "the event's window has not opened yet",
  after_window: "the event's window has closed",
  below_min_amount: "the amount is below the event's minimum",
  expires_before_activation: "the coins would expire before they become available",
};

const CAP_NAMES: Readonly<Record<string, string>> = {
  perAllocation: "per-allocation cap",
  perUser: "per-user cap",
  budget: "event budget",
};

/** One sentence per step of the computation, in order. */
export function explain(preview: RewardPreview, program: Program): string[] {
  const b = preview.breakdown;
  if (preview.ineligible !== undefined) {
    return [`No coins: ${INELIGIBLE[preview.ineligible] ?? preview.ineligible}.`];
  }
  const lines: string[] = [];
  switch (b.rule) {
    case "fixed":
      lines.push(`Fixed reward: ${b.base} coins.`);
      break;
    case "percentage":
      lines.push(`Percentage reward: ${b.base} coins (at ${program.coinValue} per coin).`);
      break;
    case "tiered":
      lines.push(`Tiered reward: ${b.base} coins.`);
      break;
  }
  for (const tier of b.tiers ?? []) {
    const range = tier.upTo === undefined ? `from ${tier.from}` : `${tier.from} to ${tier.upTo}`;
    const rate = tier.rate === undefined ? "fixed coins" : `${tier.rate}%`;
    lines.push(`  Tier ${range}: ${rate} → ${tier.coins} coins.`);
  }
  if (b.level !== undefined) {
    lines.push(
      b.level.multiplier === "1"
        ? `Member level ${b.level.id}: this event has no multiplier for it (×1).`
        : `Member level ${b.level.id}: ×${b.level.multiplier}.`,
    );
  }
  if (b.promotions.length === 0) {
    lines.push(
      b.level === undefined
        ? "No promotion active at this time (×1)."
        : `No promotion active at this time: multiplier ×${b.multiplier}: ${b.multiplied} coins.`,
    );
  } else {
    const names = b.promotions.map((p) => `${p.id} ×${p.multiplier}`).join(", ");
    lines.push(`Promotion ${names} → multiplier ×${b.multiplier}: ${b.multiplied} coins.`);
  }
  for (const clip of b.caps) {
    const name = CAP_NAMES[clip.cap] ?? clip.cap;
    const period = clip.period === undefined ? "" : ` per ${clip.period}`;
    const used = clip.used === undefined ? "" : `, ${clip.used} already used`;
    lines.push(
      `Capped by the ${name}${period} (limit ${clip.limit}${used}): ${clip.before} → ${clip.after} coins.`,
    );
  }
  const r = b.rounding;
  if (r.exact === r.rounded) {
    lines.push(`No rounding needed at ${r.scale} decimal place${r.scale === 1 ? "" : "s"}.`);
  } else {
    const limited =
      r.limitedBy === undefined ? "" : ` (held under the ${CAP_NAMES[r.limitedBy] ?? r.limitedBy})`;
    lines.push(
      `Rounded ${r.mode} to ${r.scale} decimal place${r.scale === 1 ? "" : "s"}: ${r.exact} → ${r.rounded}${limited}.`,
    );
  }
  lines.push(`= ${preview.coins} coins, worth ${preview.value}.`);
  return lines;
}

/** The issues of any thrown value, for the error panel. */
export function issuesOf(error: unknown, prefix = ""): InputIssue[] {
  if (CoinageError.is(error, "INVALID_INPUT")) {
    return error.details.issues.map((issue) => ({
      path: [prefix, issue.path].filter((part) => part !== "").join("."),
      message: issue.message,
    }));
  }
  if (error instanceof SyntaxError)
    return [{ path: prefix, message: `not valid JSON: ${error.message}` }];
  if (error instanceof Error) return [{ path: prefix, message: error.message }];
  return [{ path: prefix, message: String(error) }];
}

/** Parse JSON text, reporting a syntax error at `path`. */
export function parseJson(
  text: string,
  path: string,
): { ok: true; value: unknown } | { ok: false; issues: InputIssue[] } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, issues: issuesOf(error, path) };
  }
}

/**
 * Lots as edited on the page (ISO instants, `availableAt` optional) to the
 * ledger's `Lot` records (epoch milliseconds), with every problem listed.
 */
export function readLots(
  value: unknown,
): { ok: true; lots: Lot[] } | { ok: false; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  if (!Array.isArray(value))
    return { ok: false, issues: [{ path: "lots", message: "expected an array of lots" }] };
  const lots: Lot[] = [];
  const ids = new Set<number>();
  value.forEach((raw: unknown, index) => {
    const path = `lots[${index}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      issues.push({ path, message: "expected an object" });
      return;
    }
    const lot = raw as Record<string, unknown>;
    const before = issues.length;
    const id = lot.id;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
      issues.push({ path: `${path}.id`, message: "expected a positive integer" });
    } else if (ids.has(id)) {
      issues.push({ path: `${path}.id`, message: `duplicate lot id ${id}` });
    } else ids.add(id);
    for (const key of ["coins", "remaining"] as const) {
      if (!isDecimalString(lot[key]))
        issues.push({ path: `${path}.${key}`, message: 'expected a decimal string such as "100"' });
    }
    const earnedAt = instant(lot.earnedAt, `${path}.earnedAt`, issues, false);
    const availableAt =
      lot.availableAt === undefined
        ? earnedAt
        : instant(lot.availableAt, `${path}.availableAt`, issues, false);
    const expiresAt = instant(lot.expiresAt, `${path}.expiresAt`, issues, true);
    if (issues.length > before) return;
    lots.push({
      id: id as number,
      coins: lot.coins as string,
      remaining: lot.remaining as string,
      earnedAt: earnedAt as number,
      availableAt: availableAt as number,
      expiresAt: expiresAt ?? null,
      eventId: null,
      requestId: null,
    });
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, lots };
}

function instant(
  value: unknown,
  path: string,
  issues: InputIssue[],
  nullable: boolean,
): number | null | undefined {
  if (value === null && nullable) return null;
  const ms =
    typeof value === "string" && /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(ms)) {
    issues.push({
      path,
      message: `expected an ISO-8601 instant such as "2026-03-01T10:00:00Z"${nullable ? " or null (never)" : ""}`,
    });
    return undefined;
  }
  return ms;
}

/** Why a lot is or is not spendable at `at`. */
export function lotState(lot: Lot, at: number): "spendable" | "pending" | "expired" | "empty" {
  if (lot.expiresAt !== null && lot.expiresAt <= at) return "expired";
  if (lot.availableAt > at) return "pending";
  if (!/[1-9]/.test(lot.remaining)) return "empty";
  return "spendable";
}

/** An instant shown in UTC and in the program's time zone. */
export function showInstant(iso: string | null, timeZone: string): string {
  if (iso === null) return "never";
  const date = new Date(iso);
  let local: string;
  try {
    local = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      dateStyle: "medium",
      timeStyle: "short",
    }).format(date);
  } catch {
    local = "";
  }
  return local === "" ? iso : `${local} (${timeZone}) · ${iso}`;
}
