/**
 * Expiry, activation and calendar periods depend on the instant and the
 * program's zone only, never on the host's own time zone: the same
 * computations run in child processes with different `TZ` values must give
 * identical results, and the known answers below.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";

const HOST_ZONES = ["UTC", "America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kolkata"] as const;
type HostZone = (typeof HOST_ZONES)[number];
/** What `Date#getTimezoneOffset` says in each host zone in mid-January and mid-July 2026. */
const HOST_OFFSETS: Record<HostZone, [number, number]> = {
  UTC: [0, 0],
  "America/Los_Angeles": [480, 420],
  "Australia/Lord_Howe": [-660, -630],
  "Asia/Kolkata": [-330, -330],
};

/** Cases checked by hand: a program zone, an earning instant, the rules and the instants they give. */
const KNOWN = [
  {
    why: "end of month in New York is midnight EDT; one day later keeps the time of day",
    zone: "America/New_York",
    now: "2026-03-15T12:00:00Z",
    expiry: { endOf: "month" },
    activation: { days: 1 },
    expiresAt: "2026-04-01T04:00:00.000Z",
    availableAt: "2026-03-16T12:00:00.000Z",
  },
  {
    why: "one day over spring-forward in New York is 23 hours; the month ends in EDT",
    zone: "America/New_York",
    now: "2026-03-07T17:00:00Z",
    expiry: { endOf: "month" },
    activation: { days: 1 },
    expiresAt: "2026-04-01T04:00:00.000Z",
    availableAt: "2026-03-08T16:00:00.000Z",
  },
  {
    // Sat 01:00 EDT + 1 day is Sun 01:00, which New York shows twice: the first (EDT) one.
    why: "a repeated wall time is its earlier occurrence",
    zone: "America/New_York",
    now: "2026-10-31T05:00:00Z",
    expiry: { days: 1 },
    activation: { hours: 1 },
    expiresAt: "2026-11-01T05:00:00.000Z",
    availableAt: "2026-10-31T06:00:00.000Z",
  },
  {
    // Sat 02:30 EST + 1 day is Sun 02:30, which New York skips: read in EST, that is 03:30 EDT.
    why: "a skipped wall time moves forward by the gap",
    zone: "America/New_York",
    now: "2026-03-07T07:30:00Z",
    expiry: { days: 1 },
    activation: { endOf: "day" },
    expiresAt: "2026-03-08T07:30:00.000Z",
    availableAt: "2026-03-08T05:00:00.000Z",
  },
  {
    why: "a New York program on the day Lord Howe moves its clocks",
    zone: "America/New_York",
    now: "2026-10-03T06:00:00Z",
    expiry: { days: 1 },
    activation: { hours: 2 },
    expiresAt: "2026-10-04T06:00:00.000Z",
    availableAt: "2026-10-03T08:00:00.000Z",
  },
  {
    why: "one day over fall-back in London is 25 hours; the week ends on Monday 00:00 GMT",
    zone: "Europe/London",
    now: "2026-10-24T11:00:00Z",
    expiry: { endOf: "week" },
    activation: { days: 1 },
    expiresAt: "2026-10-26T00:00:00.000Z",
    availableAt: "2026-10-25T12:00:00.000Z",
  },
  {
    why: "Kolkata's month starts at 18:30 UTC the day before",
    zone: "Asia/Kolkata",
    now: "2026-01-31T20:00:00Z",
    expiry: { endOf: "month" },
    activation: { endOf: "day" },
    expiresAt: "2026-02-28T18:30:00.000Z",
    availableAt: "2026-02-01T18:30:00.000Z",
  },
  {
    // 12:00 at +10:30, then 12:00 at +11 the next day.
    why: "one day over Lord Howe's half-hour spring-forward is 23½ hours",
    zone: "Australia/Lord_Howe",
    now: "2026-10-03T01:30:00Z",
    expiry: { months: 1 },
    activation: { days: 1 },
    expiresAt: "2026-11-03T01:00:00.000Z",
    availableAt: "2026-10-04T01:00:00.000Z",
  },
  {
    // Sat 01:45 at +11 + 1 day is Sun 01:45, shown twice (01:30–02:00 repeats): the +11 one.
    why: "Lord Howe's repeated half hour is its earlier occurrence",
    zone: "Australia/Lord_Howe",
    now: "2026-04-03T14:45:00Z",
    expiry: { days: 1 },
    activation: { endOf: "day" },
    expiresAt: "2026-04-04T14:45:00.000Z",
    availableAt: "2026-04-04T13:00:00.000Z",
  },
] as const;

interface ChildOutput {
  host: { zone: string; offsets: [number, number] };
  laws: Record<string, { violation?: string; skipped?: boolean }[]>;
  previews: unknown[];
  cases: { availableAt: string; expiresAt: string | null }[];
}

const script = fileURLToPath(new URL("./host-zone/compute-dates.ts", import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx/cli");
const run = promisify(execFile);

const outputs = new Map<HostZone, ChildOutput>();

beforeAll(async () => {
  const cases = KNOWN.map(({ zone, now, expiry, activation }) => ({
    zone,
    now,
    expiry,
    activation,
  }));
  await Promise.all(
    HOST_ZONES.map(async (zone) => {
      const { stdout } = await run(process.execPath, [tsx, script, JSON.stringify(cases)], {
        env: { ...process.env, TZ: zone },
        maxBuffer: 256 * 1024 * 1024,
      });
      outputs.set(zone, JSON.parse(stdout) as ChildOutput);
    }),
  );
});

function output(zone: HostZone): ChildOutput {
  const out = outputs.get(zone);
  if (out === undefined) throw new Error(`no output for host zone ${zone}`);
  return out;
}

describe("dates do not depend on the host's time zone", () => {
  test("each child process really runs in its host zone", () => {
    for (const zone of HOST_ZONES) {
      // The platform's own spelling of the zone (Asia/Kolkata may read Asia/Calcutta).
      const canonical = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions()
        .timeZone;
      expect(output(zone).host, zone).toEqual({ zone: canonical, offsets: HOST_OFFSETS[zone] });
    }
  });

  test("the date laws hold under every host zone, on enough inputs", () => {
    for (const zone of HOST_ZONES) {
      const { laws } = output(zone);
      expect(Object.keys(laws).length).toBeGreaterThanOrEqual(7);
      for (const [name, runs] of Object.entries(laws)) {
        expect(
          runs.filter((r) => r.violation !== undefined),
          `${name} (host ${zone})`,
        ).toEqual([]);
        expect(runs.filter((r) => r.skipped !== true).length, name).toBeGreaterThanOrEqual(50);
      }
    }
  });

  test("every host zone computes the same instants and periods", () => {
    const [first, ...others] = HOST_ZONES;
    const reference = output(first);
    expect(reference.previews.length).toBeGreaterThan(3_000);
    for (const zone of others) {
      const { laws, previews, cases } = output(zone);
      expect(laws, `laws, host ${zone} vs ${first}`).toEqual(reference.laws);
      expect(previews, `previewReward, host ${zone} vs ${first}`).toEqual(reference.previews);
      expect(cases, `known cases, host ${zone} vs ${first}`).toEqual(reference.cases);
    }
  });

  test("known instants, under every host zone", () => {
    const expected = KNOWN.map(({ availableAt, expiresAt }) => ({ availableAt, expiresAt }));
    for (const zone of HOST_ZONES) {
      output(zone).cases.forEach((got, i) => {
        expect(got, `${KNOWN[i]?.why} (host ${zone})`).toEqual(expected[i]);
      });
    }
  });
});
