/**
 * `coinage migrate`: PostgreSQL: apply the migrations not applied yet
 * (`migrate` of `@coinage/postgres`: one transaction, under an advisory
 * lock, so safe from every instance of a deploy at once). Redis: copy the
 * request-id claims of version 0.1 to their keys (`upgradeRedisStore`);
 * accounts of 0.1 migrate by themselves on their first read.
 */
import type { Command } from "./command.js";
import { plural } from "./command.js";

export const migrateCommand: Command<Record<string, never>> = {
  name: "migrate",
  summary: "apply pending migrations (PostgreSQL) or the 0.1 upgrade (Redis)",
  flags: {},
  help: [],
  connects: true,

  parse: () => ({}),

  async execute(_params, backend) {
    const report = await backend.migrate();
    if (report.kind === "postgres") {
      return {
        ok: true,
        json: { applied: report.applied, version: report.version },
        text: [
          report.applied.length === 0
            ? `up to date: schema version ${report.version}`
            : `applied ${plural(report.applied.length, "migration")} (${report.applied.join(", ")}): schema version ${report.version}`,
        ],
      };
    }
    const text =
      report.claims === 0
        ? ["nothing to upgrade: no request-id claims of version 0.1"]
        : [
            `copied ${report.copied} of ${plural(report.claims, "request-id claim")} of version 0.1 (the others were there already)`,
          ];
    for (const key of report.conflicts)
      text.push(
        `conflict: ${key} names another user than its copy: the request id was booked twice; check it by hand`,
      );
    return {
      ok: report.conflicts.length === 0,
      json: { claims: report.claims, copied: report.copied, conflicts: report.conflicts },
      text,
    };
  },
};
