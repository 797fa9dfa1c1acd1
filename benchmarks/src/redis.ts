import type { Config, Report } from "./harness.js";

export async function benchRedis(_config: Config, report: Report, _runId: string): Promise<void> {
  report.skip("redis", "not written yet");
}
