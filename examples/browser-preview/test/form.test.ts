import { parseEvent } from "@coinage/core";
import { describe, expect, it } from "vitest";
import {
  applyEdit,
  type FormEdit,
  formModel,
  instantToPicker,
  issueConcerns,
  pathText,
  pickerToInstant,
  setAt,
} from "../src/form.js";
import { sampleEvents } from "../src/samples.js";

const now = Date.parse("2026-06-15T09:30:00Z");
const sample = (id: string) => {
  const found = sampleEvents.find((s) => s.event.id === id);
  if (found === undefined) throw new Error(id);
  return structuredClone(found.event) as Record<string, unknown>;
};
const edit = (event: Record<string, unknown>, change: FormEdit) =>
  applyEdit(event, change, { now });

describe("formModel", () => {
  it("reads the tiered sample as rows", () => {
    const model = formModel(sample("PURCHASE"));
    expect(model.reward.kind).toBe("tiered");
    expect(model.reward.mode).toBe("flat");
    expect(model.reward.tiers).toEqual([
      { from: "0", pays: "percent", value: "5" },
      { from: "5000", pays: "percent", value: "7.5" },
      { from: "10000", pays: "percent", value: "10" },
    ]);
    expect(model.caps.perAllocation).toBe("4000");
    expect(model.expiry).toMatchObject({ kind: "endOf", endOf: "month", plus: "3" });
    expect(model.activation.kind).toBe("default");
  });

  it("reads promotions, caps and durations of the holiday sample", () => {
    const model = formModel(sample("HOLIDAY_SALE"));
    expect(model.promotions).toEqual([
      {
        id: "holiday-double",
        multiplier: "2",
        from: "2026-12-20T00:00",
        until: "2027-01-01T00:00",
      },
    ]);
    expect(model.stack).toBe("max");
    expect(model.caps.perUser).toEqual([{ coins: "20000", period: "month" }]);
    expect(model.minAmount).toBe("100");
    expect(model.expiry).toMatchObject({ kind: "duration", days: "90", months: "" });
    expect(formModel(sample("WELCOME")).expiry.kind).toBe("never");
  });

  it("shows numbers as text and anything unreadable as empty fields", () => {
    expect(formModel({ reward: { kind: "percentage", percent: 5 } }).reward.percent).toBe("5");
    const odd = formModel({ reward: "five", caps: [], expiry: 3, promotions: {} });
    expect(odd.reward.kind).toBe("other");
    expect(odd.caps.perAllocation).toBe("");
    expect(odd.expiry.kind).toBe("other");
    expect(odd.promotions).toEqual([]);
    expect(formModel(null).reward.tiers).toEqual([]);
  });
});

describe("applyEdit", () => {
  it("changes only the field it names, keeping the key order and the input", () => {
    const event = sample("PURCHASE");
    const before = JSON.stringify(event);
    const next = edit(event, { kind: "set", path: ["reward", "tiers", 1, "percent"], value: "8" });
    expect(JSON.stringify(event)).toBe(before);
    expect(JSON.stringify(next)).toBe(before.replace('"percent":"7.5"', '"percent":"8"'));
  });

  it("writing back what the form shows leaves the JSON as it was, for every sample", () => {
    for (const { event } of sampleEvents) {
      const model = formModel(event);
      let next = structuredClone(event) as Record<string, unknown>;
      if (model.reward.kind === "percentage") {
        next = edit(next, {
          kind: "set",
          path: ["reward", "percent"],
          value: model.reward.percent,
        });
      }
      model.reward.tiers.forEach((tier, i) => {
        next = edit(next, { kind: "set", path: ["reward", "tiers", i, "from"], value: tier.from });
        next = edit(next, {
          kind: "set",
          path: ["reward", "tiers", i, tier.pays],
          value: tier.value,
        });
      });
      model.promotions.forEach((p, i) => {
        next = edit(next, {
          kind: "set",
          path: ["promotions", i, "from"],
          value: pickerToInstant(p.from),
        });
      });
      expect(next).toEqual(event);
    }
  });

  it("adds, removes and switches tiers", () => {
    let event = sample("PURCHASE");
    event = edit(event, { kind: "addTier" });
    expect(event.reward).toMatchObject({ tiers: [{}, {}, {}, { from: "20000", percent: "10" }] });
    event = edit(event, { kind: "removeTier", index: 1 });
    expect((event.reward as { tiers: unknown[] }).tiers).toEqual([
      { from: "0", percent: "5" },
      { from: "10000", percent: "10" },
      { from: "20000", percent: "10" },
    ]);
    event = edit(event, { kind: "tierPays", index: 2, to: "coins" });
    expect((event.reward as { tiers: unknown[] }).tiers[2]).toEqual({ from: "20000", coins: "10" });
    expect(() => parseEvent(event)).not.toThrow();
    expect(edit({}, { kind: "addTier" })).toEqual({
      reward: { tiers: [{ from: "0", percent: "5" }] },
    });
  });

  it("switches the reward kind, carrying the rate or coins over", () => {
    const holiday = sample("HOLIDAY_SALE");
    const tiered = edit(holiday, { kind: "rewardKind", to: "tiered" });
    expect(tiered.reward).toEqual({
      kind: "tiered",
      mode: "flat",
      tiers: [{ from: "0", percent: "5" }],
    });
    expect(edit(tiered, { kind: "rewardKind", to: "percentage" }).reward).toEqual({
      kind: "percentage",
      percent: "5",
    });
    expect(edit(sample("REFERRAL"), { kind: "rewardKind", to: "tiered" }).reward).toEqual({
      kind: "tiered",
      mode: "flat",
      tiers: [{ from: "0", coins: "100" }],
    });
    expect(Object.keys(tiered)).toEqual(Object.keys(holiday));
  });

  it("removes an emptied caps object, and an emptied promotions list", () => {
    const purchase = sample("PURCHASE");
    const uncapped = edit(purchase, {
      kind: "set",
      path: ["caps", "perAllocation"],
      value: undefined,
      prune: true,
    });
    expect("caps" in uncapped).toBe(false);
    const holiday = sample("HOLIDAY_SALE");
    const noPerAllocation = edit(holiday, {
      kind: "set",
      path: ["caps", "perAllocation"],
      value: undefined,
      prune: true,
    });
    expect(noPerAllocation.caps).toEqual({ perUser: [{ coins: "20000", period: "month" }] });
    const noPerUser = edit(noPerAllocation, { kind: "removePerUserCap", index: 0 });
    expect("caps" in noPerUser).toBe(false);
    const noPromotion = edit(holiday, { kind: "removePromotion", index: 0 });
    expect("promotions" in noPromotion).toBe(false);
  });

  it("adds promotions and per-user caps with defaults that validate", () => {
    let event = sample("HOLIDAY_SALE");
    event = edit(event, { kind: "addPromotion" });
    expect((event.promotions as unknown[])[1]).toEqual({
      id: "promo-2",
      multiplier: "2",
      from: "2026-06-15T00:00:00Z",
      until: "2026-06-22T00:00:00Z",
    });
    event = edit(event, { kind: "addPerUserCap" });
    expect((event.caps as { perUser: unknown[] }).perUser[1]).toEqual({
      coins: "1000",
      period: "day",
    });
    expect(() => parseEvent(event)).not.toThrow();
  });

  it("switches expiry and activation rules", () => {
    let event = sample("REFERRAL");
    event = edit(event, { kind: "dateRule", field: "expiry", to: "endOf" });
    expect(event.expiry).toEqual({ endOf: "month", plus: 3 });
    event = edit(event, { kind: "dateRule", field: "activation", to: "at" });
    expect(event.activation).toEqual({ at: "2026-06-22T00:00:00Z" });
    event = edit(event, { kind: "dateRule", field: "activation", to: "default" });
    expect("activation" in event).toBe(false);
    event = edit(event, { kind: "dateRule", field: "expiry", to: "never" });
    expect(event.expiry).toBe("never");
    event = edit(event, { kind: "set", path: ["expiry"], value: { days: 90 } });
    event = edit(event, { kind: "set", path: ["expiry", "months"], value: 1 });
    expect(event.expiry).toEqual({ days: 90, months: 1 });
    expect(() => parseEvent(event)).not.toThrow();
  });
});

describe("paths and pickers", () => {
  it("writes paths as parseEvent's issues do", () => {
    expect(pathText(["reward", "tiers", 1, "percent"])).toBe("reward.tiers[1].percent");
    expect(pathText(["minAmount"])).toBe("minAmount");
  });

  it("matches issues to the fields they concern", () => {
    expect(issueConcerns("reward.tiers[1].from", "reward.tiers[1].from")).toBe(true);
    expect(issueConcerns("reward.tiers[1]", "reward.tiers[1].percent")).toBe(true);
    expect(issueConcerns("expiry", "expiry.days")).toBe(true);
    expect(issueConcerns("reward.tiers[1]", "reward.tiers[10].from")).toBe(false);
    expect(issueConcerns("caps.perUser[0].coins", "caps.perUser[0].period")).toBe(false);
    expect(issueConcerns("", "minAmount")).toBe(false);
  });

  it("converts instants to datetime-local values in UTC and back", () => {
    expect(instantToPicker("2026-12-20T00:00:00Z")).toBe("2026-12-20T00:00");
    expect(instantToPicker("2026-12-20T05:30:00+05:30")).toBe("2026-12-20T00:00");
    expect(instantToPicker("2026-12-20")).toBe("");
    expect(instantToPicker(17)).toBe("");
    expect(pickerToInstant("2026-12-20T00:00")).toBe("2026-12-20T00:00:00Z");
    expect(pickerToInstant("2026-12-20T00:00:30")).toBe("2026-12-20T00:00:30Z");
    expect(pickerToInstant("")).toBe("");
  });

  it("creates missing containers on a path", () => {
    expect(setAt({ caps: "none" }, ["caps", "perUser", 0, "coins"], "5")).toEqual({
      caps: { perUser: [{ coins: "5" }] },
    });
  });
});
