import type { Config, Report } from "./harness.js";

export async function benchPostgres(
  _config: Config,
  report: Report,
  _runId: string,
): Promise<void> {
  report.skip("postgres", "not written yet");
}
