import { parseEvent, parseProgram, previewReward } from "@coinage/core";
import { PROGRAM, RULES_EVENT, RULES_NOW, RULES_USAGE } from "./fixtures.js";
import { ruleInputs } from "./rules.js";

const program = parseProgram(PROGRAM);
const event = parseEvent({ ...RULES_EVENT, version: 1 });
const inputs = ruleInputs();
const usage = { perUser: { ...RULES_USAGE.perUser } };
const t = performance.now();
let n = 0;
while (performance.now() - t < 5000) {
  previewReward(event, { amount: inputs[n % 64] as string }, program, RULES_NOW, usage);
  n++;
}
console.log(n / 5, "ops/s");
