// scratch: the rules benchmark alone, printed, no results file (removed after use)
import { configFor, Report } from "./src/harness.ts";
import { benchRules } from "./src/rules.ts";
const report = new Report();
await benchRules(configFor(false), report);
console.log(report.table());
