/**
 * Builds the preview page with Vite, serves it from the HTTP app on a real
 * socket, and drives it with Chromium through playwright-core.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { memoryStore } from "@coinage/memory";
import { serve } from "@hono/node-server";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";

const CHROMIUM = "/usr/bin/chromium";
const previewRoot = fileURLToPath(new URL("../../browser-preview/", import.meta.url));
const artifacts = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

const missing = !existsSync(CHROMIUM);
const skip = missing && process.env.CI !== "true";
if (skip)
  console.log(`browser preview test skipped: ${CHROMIUM} is missing (it runs whenever CI=true)`);

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

  it("shows invalid JSON and INVALID_INPUT issues with their paths", async () => {
    const original = await page.inputValue("#event-json");
    await page.fill("#event-json", "{ not json");
    await expect.poll(() => page.isVisible("#errors")).toBe(true);
    expect(await page.textContent("#errors")).toContain("not valid JSON");
    expect(await page.textContent("#coins")).toBe("–");

    await page.fill("#event-json", original.replace('"percent": "5"', '"percent": "five"'));
    await expect.poll(() => page.textContent("#errors")).toContain("event.reward.percent");

    await page.fill("#event-json", original);
    await expect.poll(() => page.isHidden("#errors")).toBe(true);
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
});
