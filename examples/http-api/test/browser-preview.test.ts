/**
 * Builds the preview page with Vite, serves it from the HTTP app on a real
 * socket, and drives it with Chromium through playwright-core.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type CoinEvent,
  parseEvent,
  parseProgram,
  planRedemption,
  previewReward,
} from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { serve } from "@hono/node-server";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLots } from "../../browser-preview/src/explain.js";
import { sampleEvents, sampleLots, sampleProgram } from "../../browser-preview/src/samples.js";
import { createApp } from "../src/app.js";

const CHROMIUM = "/usr/bin/chromium";
const previewRoot = fileURLToPath(new URL("../../browser-preview/", import.meta.url));
const artifacts = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI !== "true";
if (skip)
  console.log(`browser preview test skipped: ${CHROMIUM} is missing (it runs whenever CI=true)`);

const program = parseProgram(sampleProgram);

/** The curve's sampled points as the page shows them: `data-amount` and `data-coins` of each dot. */
function curvePoints(page: Page): Promise<{ amount: string; coins: string; capped: boolean }[]> {
  return page.$$eval("#curve circle.curve-point", (circles) =>
    circles.map((c) => ({
      amount: c.getAttribute("data-amount") ?? "",
      coins: c.getAttribute("data-coins") ?? "",
      capped: c.getAttribute("data-capped") === "true",
    })),
  );
}

/** The coins `previewReward` gives in Node for each amount, keyed by amount. */
function nodeCoins(event: CoinEvent, amounts: readonly string[], at: Date): Map<string, string> {
  return new Map(
    amounts.map((amount) => [amount, previewReward(event, { amount }, program, at).coins]),
  );
}

async function eventInPage(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse(await page.inputValue("#event-json")) as Record<string, unknown>;
}

describe.skipIf(skip)("browser preview page", () => {
  let outDir: string;
  let server: ReturnType<typeof serve>;
  let url: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "coinage-preview-build-"));
    await promisify(execFile)(
      process.execPath,
      [
        join(previewRoot, "node_modules/vite/bin/vite.js"),
        "build",
        "--outDir",
        outDir,
        "--emptyOutDir",
        "--logLevel",
        "warn",
      ],
      { cwd: previewRoot },
    );
    const app = createApp({
      store: memoryStore(),
      tokens: { "dev-token": "demo" },
      previewDir: outDir,
    });
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) =>
      server.listening ? resolve() : server.once("listening", () => resolve()),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(url);
    await page.waitForSelector("body[data-ready='true']");
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  it("shows the doubled coins and why, inside the holiday promotion window", async () => {
    await page.selectOption("#event-select", "HOLIDAY_SALE");
    await page.fill("#amount", "1000");
    await page.fill("#at", "2026-12-24T10:00");

    // 5% of 1000 = 50 at 0.25 per coin = 200 coins, doubled by the promotion.
    await expect.poll(() => page.textContent("#coins")).toBe("400");
    const breakdown = (await page.textContent("#breakdown")) ?? "";
    expect(breakdown).toContain("Percentage reward: 200 coins");
    expect(breakdown).toContain("Promotion holiday-double ×2 → multiplier ×2: 400 coins.");
    expect(breakdown).toContain("= 400 coins, worth 100.");
    expect(await page.textContent("#expiry")).toContain("2027-03-24T10:00:00.000Z");
    expect(await page.isHidden("#errors")).toBe(true);

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "preview.png"), fullPage: true });
  });

  it("pays the normal rate outside the window", async () => {
    await page.fill("#at", "2026-12-10T10:00");
    await expect.poll(() => page.textContent("#coins")).toBe("200");
    expect(await page.textContent("#breakdown")).toContain("No promotion active");
  });

  it("applies the member level's multiplier the event names, as previewReward does", async () => {
    await page.fill("#level", "GOLD");
    await expect.poll(() => page.textContent("#coins")).toBe("250");
    expect(await page.textContent("#breakdown")).toContain("Member level GOLD: ×1.25.");
    await page.fill("#level", "SILVER");
    await expect.poll(() => page.textContent("#breakdown")).toContain("no multiplier for it");
    expect(await page.textContent("#coins")).toBe("200");
    await page.fill("#level", "");
    await expect.poll(() => page.textContent("#breakdown")).not.toContain("Member level");
  });

  it("shows invalid JSON and INVALID_INPUT issues with their paths", async () => {
    const original = await page.inputValue("#event-json");
    await page.fill("#event-json", "{ not json");
    await expect.poll(() => page.isVisible("#errors")).toBe(true);
    expect(await page.textContent("#errors")).toContain("not valid JSON");
    expect(await page.textContent("#coins")).toBe("–");
    // The form pauses until the JSON parses again, and the curve says why it is gone.
    expect(
      await page.$eval("#event-form-fieldset", (f) => (f as HTMLFieldSetElement).disabled),
    ).toBe(true);
    expect(await page.isDisabled('[data-path="reward.percent"]')).toBe(true);
    expect(await page.isVisible("#form-notice")).toBe(true);
    expect(await page.getAttribute("#curve", "data-state")).toBe("empty");

    await page.fill("#event-json", original.replace('"percent": "5"', '"percent": "five"'));
    await expect.poll(() => page.textContent("#errors")).toContain("event.reward.percent");

    await page.fill("#event-json", original);
    await expect.poll(() => page.isHidden("#errors")).toBe(true);
    expect(await page.isDisabled('[data-path="reward.percent"]')).toBe(false);
  });

  it("plans a redemption earliest expiry first over the sample lots", async () => {
    await page.fill("#redeem-at", "2026-03-10T12:00");
    await page.fill("#redeem-coins", "300");
    await expect
      .poll(() => page.textContent("#redeem-summary"))
      .toContain("Redeems 300 of 310 spendable coins");
    const rows = await page.$$eval("#lots-table tbody tr", (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)),
    );
    // Lot 2 expires first (60 left), then lot 1 (200), then lot 3 (never expires); 4 is pending, 5 expired.
    expect(rows.map((row) => [row[1], row[4], row[5]])).toEqual([
      ["#2", "spendable", "60"],
      ["#1", "spendable", "200"],
      ["#3", "spendable", "40"],
      ["#5", "expired", ""],
      ["#4", "pending", ""],
    ]);

    await page.fill("#redeem-coins", "400");
    await expect.poll(() => page.textContent("#redeem-summary")).toContain("Not enough coins");
    expect(pageErrors).toEqual([]);
  });

  it("draws each sample's earn curve with previewReward's own numbers", async () => {
    for (const sample of sampleEvents) {
      await page.selectOption("#event-select", String(sample.event.id));
      await expect.poll(() => page.getAttribute("#curve", "data-state")).toBe("ready");
      expect(await eventInPage(page)).toEqual(sample.event);
      const points = await curvePoints(page);
      // 30 to 60 evenly spaced amounts on a round step, plus the breakpoints and the previewed amount.
      expect(points.length).toBeGreaterThan(30);
      const expected = nodeCoins(
        parseEvent(sample.event),
        points.map((p) => p.amount),
        new Date(`${await page.inputValue("#at")}Z`),
      );
      expect(
        points.map((p) => [p.amount, p.coins]),
        String(sample.event.id),
      ).toEqual(points.map((p) => [p.amount, expected.get(p.amount)]));
      // The amount being previewed is on the curve, ringed, with the coins the preview shows.
      expect(await page.getAttribute("#curve .curve-current", "data-coins")).toBe(
        await page.textContent("#coins"),
      );
    }

    // Tier breakpoints, the amounts just below them, and the cap.
    await page.selectOption("#event-select", "PURCHASE");
    const points = await curvePoints(page);
    const byAmount = new Map(points.map((p) => [p.amount, p]));
    const cases: [amount: string, coins: string][] = [
      ["0", "0"],
      ["2500", "500"],
      ["4999.99", "999"],
      ["5000", "1500"],
      ["9999.99", "2999"],
      ["10000", "4000"],
      ["12000", "4000"],
      ["15000", "4000"],
    ];
    for (const [amount, coins] of cases) expect(byAmount.get(amount)?.coins, amount).toBe(coins);
    expect(byAmount.get("12000")?.capped).toBe(true);
    expect(byAmount.get("10000")?.capped).toBe(false);
    expect(
      await page.$$eval("#curve g.breakpoint", (gs) =>
        gs.map((g) => g.getAttribute("data-amount")),
      ),
    ).toEqual(["5000", "10000"]);
    expect(await page.textContent("#curve g.breakpoint")).toBe("7.5% from 5000");
    expect(await page.getAttribute("#curve g.cap-line", "data-coins")).toBe("4000");
    expect(await page.textContent("#curve g.cap-line")).toBe("per-allocation cap 4000");
    expect(await page.$$eval("#curve-table tbody tr", (rows) => rows.length)).toBe(points.length);

    // The holiday sale's doubled rate reaches its cap of 5000 at 12,500; the per-user cap is listed above.
    await page.selectOption("#event-select", "HOLIDAY_SALE");
    const holiday = new Map((await curvePoints(page)).map((p) => [p.amount, p.coins]));
    expect(holiday.get("99.99")).toBe("0");
    expect(holiday.get("100")).toBe("40");
    expect(holiday.get("12500")).toBe("5000");
    expect(holiday.get("16000")).toBe("5000");
    expect(await page.textContent("#curve-caption")).toContain(
      "Above the chart: per-user cap 20000/month.",
    );
  });

  it("edits tiers in the form: the JSON, the preview and the curve follow", async () => {
    await page.selectOption("#event-select", "PURCHASE");
    await page.fill("#amount", "6000");
    expect(await page.inputValue('[data-path="reward.tiers[1].percent"]')).toBe("7.5");

    // 7.5% → 9% for amounts from 5000: 6000 × 9% = 540 at 0.25 per coin = 2160 coins.
    await page.fill('[data-path="reward.tiers[1].percent"]', "9");
    await expect.poll(() => page.textContent("#coins")).toBe("2160");
    const edited = await eventInPage(page);
    expect(edited.reward).toEqual({
      kind: "tiered",
      mode: "flat",
      tiers: [
        { from: "0", percent: "5" },
        { from: "5000", percent: "9" },
        { from: "10000", percent: "10" },
      ],
    });
    // Everything else in the JSON is as the sample wrote it.
    const purchase = sampleEvents.find((s) => s.event.id === "PURCHASE");
    expect({ ...edited, reward: purchase?.event.reward }).toEqual(purchase?.event);
    let points = await curvePoints(page);
    let expected = nodeCoins(
      parseEvent(edited),
      points.map((p) => p.amount),
      new Date("2026-06-15T09:30:00Z"),
    );
    expect(points.find((p) => p.amount === "5000")?.coins).toBe("1800");
    expect(points.map((p) => p.coins)).toEqual(points.map((p) => expected.get(p.amount)));

    // A fourth tier: added by the form at twice the last start, then moved to 12,000.
    await page.click("#add-tier");
    await page.fill('[data-path="reward.tiers[3].from"]', "12000");
    await page.fill('[data-path="reward.tiers[3].percent"]', "1");
    const fourTiers = await eventInPage(page);
    expect((fourTiers.reward as { tiers: unknown[] }).tiers[3]).toEqual({
      from: "12000",
      percent: "1",
    });
    await expect
      .poll(() =>
        page.$$eval("#curve g.breakpoint", (gs) => gs.map((g) => g.getAttribute("data-amount"))),
      )
      .toEqual(["5000", "10000", "12000"]);
    points = await curvePoints(page);
    expected = nodeCoins(
      parseEvent(fourTiers),
      points.map((p) => p.amount),
      new Date("2026-06-15T09:30:00Z"),
    );
    expect(points.find((p) => p.amount === "12000")?.coins).toBe("480");
    expect(points.map((p) => p.coins)).toEqual(points.map((p) => expected.get(p.amount)));

    // A bad value is marked on its field and reported with its path.
    await page.fill('[data-path="reward.tiers[3].from"]', "abc");
    await expect.poll(() => page.textContent("#errors")).toContain("event.reward.tiers[3].from");
    expect(await page.getAttribute('[data-path="reward.tiers[3].from"]', "aria-invalid")).toBe(
      "true",
    );
    expect(
      await page.getAttribute('[data-path="reward.tiers[2].from"]', "aria-invalid"),
    ).toBeNull();
    await page.click('button[aria-label="Remove tier 4"]');
    await expect.poll(() => page.isHidden("#errors")).toBe(true);
    expect(await page.$$eval("#tiers-table tbody tr", (rows) => rows.length)).toBe(3);

    // A valid JSON edit shows in the form.
    const json = await page.inputValue("#event-json");
    await page.fill("#event-json", json.replace('"percent": "5"', '"percent": "4"'));
    await expect.poll(() => page.inputValue('[data-path="reward.tiers[0].percent"]')).toBe("4");
    expect((await curvePoints(page)).find((p) => p.amount === "2500")?.coins).toBe("400");

    // Caps, expiry and activation through the form.
    await page.fill('[data-path="caps.perAllocation"]', "");
    await expect.poll(async () => "caps" in (await eventInPage(page))).toBe(false);
    expect(await page.$$eval("#curve g.cap-line", (gs) => gs.length)).toBe(0);
    await page.selectOption("#form-activation-kind", "duration");
    await page.fill('[data-path="activation.days"]', "10");
    const withActivation = await eventInPage(page);
    expect(withActivation.activation).toEqual({ days: 10 });
    expect(withActivation.expiry).toEqual({ endOf: "month", plus: 3 });
    expect(await page.textContent("#available")).toContain("2026-06-25T09:30:00.000Z");
  });

  it("shows the lots on a timeline with the planned ones highlighted", async () => {
    await page.fill("#lots-json", JSON.stringify(sampleLots, null, 2));
    await page.fill("#redeem-at", "2026-03-10T12:00");
    const read = readLots(sampleLots);
    if (!read.ok) throw new Error("the sample lots do not read");
    const at = Date.parse("2026-03-10T12:00:00Z");

    for (const coins of ["300", "100", "10"]) {
      await page.fill("#redeem-coins", coins);
      const plan = planRedemption(read.lots, coins, at);
      await expect
        .poll(() =>
          page.$$eval('#timeline g.lot[data-planned="true"]', (gs) =>
            gs.map((g) => [Number(g.getAttribute("data-lot-id")), g.getAttribute("data-takes")]),
          ),
        )
        .toEqual(plan.lots.map((m) => [m.lotId, m.coins]));
      // The table's highlighted rows are the same lots.
      expect(
        await page.$$eval("#lots-table tbody tr.planned", (trs) =>
          trs.map((tr) => tr.querySelectorAll("td")[1]?.textContent),
        ),
      ).toEqual(plan.lots.map((m) => `#${m.lotId}`));
    }

    await page.fill("#redeem-coins", "300");
    const rows = await page.$$eval("#timeline g.lot", (gs) =>
      gs.map((g) => ({
        id: g.getAttribute("data-lot-id"),
        state: g.getAttribute("data-state"),
        order: g.getAttribute("data-order"),
        planned: g.classList.contains("planned"),
      })),
    );
    expect(rows).toEqual([
      { id: "2", state: "spendable", order: "1", planned: true },
      { id: "1", state: "spendable", order: "2", planned: true },
      { id: "3", state: "spendable", order: "3", planned: true },
      { id: "5", state: "expired", order: null, planned: false },
      { id: "4", state: "pending", order: null, planned: false },
    ]);
    // Lot 4 is pending: a dashed stretch from earning to activation; lot 3 never expires.
    expect(
      await page.$$eval('#timeline g.lot[data-lot-id="4"] .pending-stretch', (l) => l.length),
    ).toBe(1);
    expect(await page.$$eval('#timeline g.lot[data-lot-id="3"] .never', (l) => l.length)).toBe(1);
    expect(await page.getAttribute("#timeline g.now", "data-at")).toBe("2026-03-10T12:00:00.000Z");
    expect(await page.textContent('#timeline g.lot[data-lot-id="2"] .takes')).toBe("1st: 60 coins");
  });

  it("saves screenshots of the page with its charts", async () => {
    await page.selectOption("#event-select", "PURCHASE");
    await page.fill("#redeem-coins", "300");
    await expect.poll(() => page.getAttribute("#curve", "data-state")).toBe("ready");
    await mkdir(artifacts, { recursive: true });
    const shots = {
      page: join(artifacts, "preview-charts.png"),
      curve: join(artifacts, "earn-curve.png"),
      timeline: join(artifacts, "lot-timeline.png"),
    };
    await page.screenshot({ path: shots.page, fullPage: true });
    await page.locator("#curve-figure").screenshot({ path: shots.curve });
    await page.locator("#timeline-figure").screenshot({ path: shots.timeline });
    for (const path of Object.values(shots)) {
      expect((await stat(path)).size, path).toBeGreaterThan(1000);
      // A PNG, by its signature.
      expect((await readFile(path)).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    }
    expect(pageErrors).toEqual([]);
  });
});
