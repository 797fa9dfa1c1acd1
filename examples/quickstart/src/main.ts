import { memoryStore } from "@coinage/memory";
import { runScenario } from "./scenario.js";

await runScenario(memoryStore(), (line) => console.log(`${line.step.padEnd(12)} ${line.detail}`));
