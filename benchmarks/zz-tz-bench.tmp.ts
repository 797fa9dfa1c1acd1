// scratch: before/after numbers for previewReward with an endOf expiry (removed after use)
import { parseEvent, parseProgram, previewReward } from "../packages/core/src/index.ts";
import { PROGRAM, RULES_EVENT, RULES_NOW, RULES_USAGE } from "./src/fixtures.ts";
import { configFor, keep, rounds, runSync, spread } from "./src/harness.ts";
const config = configFor(false);
const usage = { perUser: { ...RULES_USAGE.perUser } };
const plain = parseEvent({ ...RULES_EVENT, version: 1 });
const cal = parseEvent({ ...RULES_EVENT, expiry: { endOf: "month", plus: 2 }, version: 1 });
const utc = parseProgram(PROGRAM);
const kol = parseProgram({ ...PROGRAM, timeZone: "Asia/Kolkata" });
const ny = parseProgram({ ...PROGRAM, timeZone: "America/New_York" });
const amounts = ["0.00", "4999.99", "5000.00", "9999.99", "10000.00", "250000.00", "123.45", "31000.10"];
const n = amounts.length;
const r = await rounds(config.rounds, {
  plainUtc: () => runSync(config.cpuMs, (i) => previewReward(plain, { amount: amounts[i % n] }, utc, RULES_NOW, usage)).opsPerSec,
  endOfUtc: () => runSync(config.cpuMs, (i) => previewReward(cal, { amount: amounts[i % n] }, utc, RULES_NOW, usage)).opsPerSec,
  endOfKolkata: () => runSync(config.cpuMs, (i) => previewReward(cal, { amount: amounts[i % n] }, kol, RULES_NOW, usage)).opsPerSec,
  endOfNewYork: () => runSync(config.cpuMs, (i) => previewReward(cal, { amount: amounts[i % n] }, ny, RULES_NOW, usage)).opsPerSec,
});
keep(r);
for (const [k, v] of Object.entries(r)) { const s = spread(v as number[]); console.log(`${k.padEnd(14)} median ${Math.round(s.median)} ops/s (min ${Math.round(s.min)}, max ${Math.round(s.max)})`); }
console.log(previewReward(cal, { amount: "100" }, kol, RULES_NOW, usage).expiresAt);
