/**
 * Rules: `previewReward` on a tiered + promotion + cap event, against
 *  - json-rules-engine evaluating the same rule: the engine decides which
 *    tier and which promotions apply (one rule per tier band and per
 *    promotion window); its events' parameters then go through the same
 *    decimal.js arithmetic as the floor (rate × amount × multiplier ÷ coin
 *    value, clipped by both caps, rounded down once);
 *  - the floor: the bare decimal.js operations the rule needs, with the
 *    tiers and caps already parsed.
 * Every input's answer is checked equal across the three before timing.
 *
 * And the calendar-expiry path: the same rule with an `endOf` expiry, in a
 * program in Asia/Kolkata against the same event in a UTC program.
 */
import {
  type CoinEvent,
  type Program,
  parseEvent,
  parseProgram,
  previewReward,
} from "@coinage/core";
import Decimal from "decimal.js";
import { Engine, type RuleProperties } from "json-rules-engine";
import { PROGRAM, RULES_EVENT, RULES_NOW, RULES_USAGE, random } from "./fixtures.js";
import {
  type Config,
  heading,
  keep,
  type Report,
  ratios,
  rounds,
  runSerial,
  runSync,
  spread,
} from "./harness.js";

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });
type D = InstanceType<typeof D>;

interface Answer {
  readonly coins: string;
  readonly value: string;
}

/** The amounts previewed: spread over every tier, some clipped by a cap, plus the tier edges. */
export function ruleInputs(count = 64): string[] {
  const next = random(42);
  const edges = ["0.00", "4999.99", "5000.00", "9999.99", "10000.00", "250000.00"];
  const out = [...edges];
  while (out.length < count) out.push((next() * 40000).toFixed(2));
  return out;
}

/** Plain description of the rule, read by both competitors from the same event object. */
interface RuleData {
  readonly tiers: { from: string; percent: string }[];
  readonly promotions: { id: string; multiplier: string; from: number; until: number }[];
  readonly perAllocation: string;
  readonly perUserLimit: string;
  readonly coinValue: string;
}

function ruleData(event: CoinEvent, program: Program): RuleData {
  if (event.reward.kind !== "tiered") throw new Error("the rules benchmark needs a tiered event");
  return {
    tiers: event.reward.tiers.map((t) => {
      if (!("percent" in t)) throw new Error("percent tiers only");
      return { from: t.from, percent: t.percent };
    }),
    promotions: (event.promotions ?? []).map((p) => ({
      id: p.id,
      multiplier: p.multiplier,
      from: Date.parse(p.from),
      until: Date.parse(p.until),
    })),
    perAllocation: event.caps?.perAllocation ?? "Infinity",
    perUserLimit: event.caps?.perUser?.[0]?.coins ?? "Infinity",
    coinValue: program.coinValue,
  };
}

/**
 * The arithmetic after the rate and multiplier are known: shared by the
 * floor and the rules-engine path. What the user already used is an input
 * of each call, as it is of `previewReward`'s.
 */
function arithmetic(
  amount: D,
  percent: D,
  multiplier: D,
  coinValue: D,
  perAllocation: D,
  perUserLimit: D,
  perUserUsed: string,
): Answer {
  const perUserRemaining = D.max(perUserLimit.minus(perUserUsed), 0);
  let coins = amount.mul(percent).div(100).mul(multiplier).div(coinValue);
  if (coins.gt(perAllocation)) coins = perAllocation;
  if (coins.gt(perUserRemaining)) coins = perUserRemaining;
  const rounded = coins.toDecimalPlaces(0, D.ROUND_DOWN);
  return { coins: rounded.toFixed(0), value: rounded.mul(coinValue).toFixed() };
}

/** The floor: the same computation with nothing but decimal.js. */
function floorPreview(data: RuleData) {
  const tiers = data.tiers.map((t) => ({ from: new D(t.from), percent: new D(t.percent) }));
  const promotions = data.promotions.map((p) => ({ ...p, multiplier: new D(p.multiplier) }));
  const coinValue = new D(data.coinValue);
  const perAllocation = new D(data.perAllocation);
  const perUserLimit = new D(data.perUserLimit);
  const one = new D(1);
  return (amountText: string, at: number, used: string): Answer => {
    const amount = new D(amountText);
    let percent = (tiers[0] as (typeof tiers)[number]).percent;
    for (const tier of tiers) if (tier.from.lte(amount)) percent = tier.percent;
    let multiplier: D | undefined;
    for (const p of promotions) {
      if (p.from <= at && at < p.until && (multiplier === undefined || p.multiplier.gt(multiplier)))
        multiplier = p.multiplier;
    }
    return arithmetic(
      amount,
      percent,
      multiplier ?? one,
      coinValue,
      perAllocation,
      perUserLimit,
      used,
    );
  };
}

/** json-rules-engine: one rule per tier band and per promotion window. */
function buildEngine(data: RuleData): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false });
  data.tiers.forEach((tier, i) => {
    const next = data.tiers[i + 1];
    const conditions: RuleProperties["conditions"] = {
      all: [
        { fact: "amount", operator: "greaterThanInclusive", value: Number(tier.from) },
        ...(next === undefined
          ? []
          : [{ fact: "amount", operator: "lessThan", value: Number(next.from) }]),
      ],
    };
    engine.addRule({
      name: `tier-${i}`,
      conditions,
      event: { type: "tier", params: { percent: tier.percent } },
    });
  });
  for (const p of data.promotions) {
    engine.addRule({
      name: `promotion-${p.id}`,
      conditions: {
        all: [
          { fact: "at", operator: "greaterThanInclusive", value: p.from },
          { fact: "at", operator: "lessThan", value: p.until },
        ],
      },
      event: { type: "promotion", params: { multiplier: p.multiplier } },
    });
  }
  return engine;
}

/**
 * The rules-engine path. By default one engine is built once and reused (the
 * faster, usual setup, as `previewReward` prepares an event once per event
 * object and reuses it); `perCall` builds the engine from the rule data on
 * every call (a caller that keeps no engine per rule).
 */
function rulesEnginePreview(data: RuleData, perCall = false) {
  const shared = perCall ? undefined : buildEngine(data);
  const coinValue = new D(data.coinValue);
  const perAllocation = new D(data.perAllocation);
  const perUserLimit = new D(data.perUserLimit);
  return async (amountText: string, at: number, used: string): Promise<Answer> => {
    const amount = new D(amountText);
    const engine = shared ?? buildEngine(data);
    const { events } = await engine.run({ amount: amount.toNumber(), at });
    let percent: D | undefined;
    let multiplier: D | undefined;
    for (const event of events) {
      const params = event.params as Record<string, string>;
      if (event.type === "tier") percent = new D(params.percent as string);
      else if (event.type === "promotion") {
        const m = new D(params.multiplier as string);
        if (multiplier === undefined || m.gt(multiplier)) multiplier = m;
      }
    }
    if (percent === undefined) throw new Error(`no tier matched ${amountText}`);
    return arithmetic(
      amount,
      percent,
      multiplier ?? new D(1),
      coinValue,
      perAllocation,
      perUserLimit,
      used,
    );
  };
}

export async function benchRules(config: Config, report: Report): Promise<void> {
  heading("rules: previewReward vs json-rules-engine vs bare decimal.js");
  const program = parseProgram(PROGRAM);
  const event = parseEvent({ ...RULES_EVENT, version: 1 });
  const calendarEvent = parseEvent({
    ...RULES_EVENT,
    expiry: { endOf: "month", plus: 2 },
    version: 1,
  });
  const zoned = parseProgram({ ...PROGRAM, timeZone: "Asia/Kolkata" });
  const utc = parseProgram({ ...PROGRAM, timeZone: "UTC" });
  const data = ruleData(event, program);
  const floor = floorPreview(data);
  const jre = rulesEnginePreview(data);
  const jrePerCall = rulesEnginePreview(data, true);
  const inputs = ruleInputs();
  const at = RULES_NOW.getTime();
  const usage = { perUser: { ...RULES_USAGE.perUser } };
  const used = usage.perUser.month;

  // Same inputs, same answers, before any timing.
  let mismatches = 0;
  const capped = new Set<string>();
  for (const amount of inputs) {
    const ours = previewReward(event, { amount }, program, RULES_NOW, usage);
    const theirs = await jre(amount, at, used);
    const theirsPerCall = await jrePerCall(amount, at, used);
    const bare = floor(amount, at, used);
    for (const clip of ours.breakdown.caps) capped.add(clip.cap);
    if (
      ours.coins !== theirs.coins ||
      ours.coins !== bare.coins ||
      ours.value !== theirs.value ||
      theirsPerCall.coins !== ours.coins
    ) {
      mismatches++;
      console.log(
        `  mismatch at amount ${amount}: previewReward ${ours.coins}/${ours.value}, json-rules-engine ${theirs.coins}/${theirs.value}, floor ${bare.coins}/${bare.value}`,
      );
    }
  }
  report.check(
    "rules: previewReward, json-rules-engine and the floor agree on every input",
    mismatches === 0,
    `${inputs.length} amounts, ${mismatches} mismatches; caps that clipped: ${[...capped].sort().join(", ") || "none"}`,
  );
  const kolkataExpiry = previewReward(calendarEvent, { amount: "100" }, zoned, RULES_NOW, usage);
  const utcExpiry = previewReward(calendarEvent, { amount: "100" }, utc, RULES_NOW, usage);
  report.check(
    "rules: the endOf expiry resolves in each program's time zone",
    // End of February 2027 (month + 2): midnight in Kolkata is 18:30 UTC the day before.
    kolkataExpiry.expiresAt === "2027-02-28T18:30:00.000Z" &&
      utcExpiry.expiresAt === "2027-03-01T00:00:00.000Z",
    `Asia/Kolkata ${kolkataExpiry.expiresAt}, UTC ${utcExpiry.expiresAt}`,
  );
  report.check(
    "rules: the inputs exercise the promotion and both caps",
    capped.has("perAllocation") &&
      capped.has("perUser") &&
      previewReward(event, { amount: "100" }, program, RULES_NOW, usage).breakdown.multiplier ===
        "2",
  );

  const n = inputs.length;
  const results = await rounds(config, report, {
    preview: (w) =>
      runSync(w.cpuMs, (i) =>
        previewReward(event, { amount: inputs[i % n] as string }, program, RULES_NOW, usage),
      ).opsPerSec,
    previewKolkata: (w) =>
      runSync(w.cpuMs, (i) =>
        previewReward(calendarEvent, { amount: inputs[i % n] as string }, zoned, RULES_NOW, usage),
      ).opsPerSec,
    previewUtc: (w) =>
      runSync(w.cpuMs, (i) =>
        previewReward(calendarEvent, { amount: inputs[i % n] as string }, utc, RULES_NOW, usage),
      ).opsPerSec,
    jre: async (w) =>
      (await runSerial(w.cpuMs, (i) => jre(inputs[i % n] as string, at, used))).opsPerSec,
    jrePerCall: async (w) =>
      (await runSerial(w.cpuMs, (i) => jrePerCall(inputs[i % n] as string, at, used))).opsPerSec,
    floor: (w) => runSync(w.cpuMs, (i) => floor(inputs[i % n] as string, at, used)).opsPerSec,
  });
  keep(results);

  const vsJre = spread(ratios(results.preview, results.jre));
  report.add({
    section: "rules",
    name: "previewReward (tiered + promotion + 2 caps)",
    unit: "ops/s",
    value: spread(results.preview),
    ratio: { label: "÷ json-rules-engine", value: vsJre },
    target: { text: "≥ 20× json-rules-engine", met: vsJre.median >= 20 },
  });
  const vsFloor = spread(ratios(results.preview, results.floor));
  report.add({
    section: "rules",
    name: "previewReward ÷ bare decimal.js floor",
    unit: "ops/s",
    value: spread(results.preview),
    ratio: { label: "÷ floor", value: vsFloor },
    target: { text: "≥ 0.8× floor", met: vsFloor.median >= 0.8 },
  });
  report.add({
    section: "rules",
    name: "json-rules-engine (same rule, same arithmetic)",
    unit: "ops/s",
    value: spread(results.jre),
    ratio: { label: "÷ floor", value: spread(ratios(results.jre, results.floor)) },
  });
  report.add({
    section: "rules",
    name: "previewReward ÷ json-rules-engine built per call",
    unit: "ops/s",
    value: spread(results.preview),
    ratio: {
      label: "÷ jre per call",
      value: spread(ratios(results.preview, results.jrePerCall)),
    },
    note: "informational: the rules engine rebuilt from the rule data on every call",
  });
  report.add({
    section: "rules",
    name: "bare decimal.js floor",
    unit: "ops/s",
    value: spread(results.floor),
  });
  const zoneCost = spread(ratios(results.previewKolkata, results.previewUtc));
  report.add({
    section: "rules",
    name: "previewReward + endOf-month expiry, Asia/Kolkata",
    unit: "ops/s",
    value: spread(results.previewKolkata),
    ratio: { label: "÷ same in UTC", value: zoneCost },
    target: { text: "≥ 0.5× UTC", met: zoneCost.median >= 0.5 },
    note: "the same event and inputs in a UTC program are the baseline: the ratio is what the time zone costs",
  });
  report.add({
    section: "rules",
    name: "previewReward + endOf-month expiry, UTC",
    unit: "ops/s",
    value: spread(results.previewUtc),
    ratio: {
      label: "÷ no expiry",
      value: spread(ratios(results.previewUtc, results.preview)),
    },
    note: "informational: what a calendar expiry costs on the UTC path",
  });
}
