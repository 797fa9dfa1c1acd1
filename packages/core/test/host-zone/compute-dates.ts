/**
 * Run by `host-zone.test.ts` in a child process whose `TZ` is the host zone
 * under test. Prints, as JSON: the host zone the process sees, the date laws
 * on a fixed seed (what each run computed, or its violation), the
 * availability and expiry `previewReward` gives for fixed instants around
 * DST changes in four program zones, and the same for the cases given as
 * JSON in the first argument (`[{ zone, now, expiry, activation }]`).
 */
import { parseEvent, parseProgram, previewReward } from "../../src/index.js";
import { expiryLaws, periodLaws } from "../date-laws.js";

const LAW_SEED = 20_261_101;

/** Program zones and, for each, instants where its clocks change (Kolkata's are New York's: it has none). */
const PREVIEW_ZONES: Record<string, readonly string[]> = {
  "America/New_York": ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"],
  "Europe/London": ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"],
  "Asia/Kolkata": ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"],
  "Australia/Lord_Howe": ["2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z"],
};

/** Expiry and activation pairs (each expiry outlasts its activation). */
const PREVIEW_RULES = [
  { expiry: { endOf: "month" }, activation: { days: 1 } },
  { expiry: { endOf: "week", plus: 1 }, activation: { endOf: "day" } },
  { expiry: { months: 1 }, activation: { days: 1 } },
  { expiry: { days: 2 }, activation: { hours: 12 } },
  { expiry: { days: 1, hours: 12 }, activation: { hours: 1 } },
] as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Earning instants: every 45 minutes over two days each side of the change, a day and a month before it. */
function earningInstants(change: string): number[] {
  const out: number[] = [];
  for (const before of [0, DAY, 31 * DAY]) {
    for (let step = -64; step <= 64; step++)
      out.push(Date.parse(change) - before + step * 45 * 60_000);
  }
  return out;
}

interface PreviewRow {
  readonly zone: string;
  readonly rule: number;
  readonly now: string;
  readonly availableAt: string;
  readonly expiresAt: string | null;
}

function previews(): PreviewRow[] {
  const rows: PreviewRow[] = [];
  for (const [zone, changes] of Object.entries(PREVIEW_ZONES)) {
    const program = parseProgram({ id: "host-zone", coinValue: "1", timeZone: zone });
    PREVIEW_RULES.forEach((rules, rule) => {
      const event = parseEvent({
        id: `E${rule}`,
        reward: { kind: "fixed", coins: 10 },
        ...rules,
      });
      for (const change of changes) {
        for (const ms of earningInstants(change)) {
          const result = previewReward(event, {}, program, new Date(ms));
          rows.push({
            zone,
            rule,
            now: new Date(ms).toISOString(),
            availableAt: result.availableAt,
            expiresAt: result.expiresAt,
          });
        }
      }
    });
  }
  return rows;
}

/** A case to preview: the program's zone, the earning instant and the event's date rules. */
interface PreviewCase {
  readonly zone: string;
  readonly now: string;
  readonly expiry: unknown;
  readonly activation: unknown;
}

function previewCase({ zone, now, expiry, activation }: PreviewCase) {
  const program = parseProgram({ id: "host-zone", coinValue: "1", timeZone: zone });
  const event = parseEvent({
    id: "CASE",
    reward: { kind: "fixed", coins: 10 },
    expiry,
    activation,
  });
  const { availableAt, expiresAt } = previewReward(event, {}, program, new Date(now));
  return { availableAt, expiresAt };
}

function main(): void {
  const cases = JSON.parse(process.argv[2] ?? "[]") as PreviewCase[];
  const laws = Object.fromEntries(
    [...expiryLaws, ...periodLaws].map((law) => [law.name, law.run(LAW_SEED)]),
  );
  const host = {
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    // Minutes behind UTC in January and July, as the host's local-time methods see it.
    offsets: [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)].map((ms) =>
      new Date(ms).getTimezoneOffset(),
    ),
  };
  process.stdout.write(
    JSON.stringify({ host, laws, previews: previews(), cases: cases.map(previewCase) }),
  );
}

main();
