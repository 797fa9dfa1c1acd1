/**
 * `coinage doctor`: is the store usable by this version? Reachability, the
 * schema version and the indexes (PostgreSQL), the server version and
 * settings (Redis), and a read through the store itself. Exit code 1 when a
 * check fails (with `--strict`, also when one warns).
 */
import { UsageError } from "../io.js";
import { booleanFlag, type Command, plural } from "./command.js";

interface DoctorParams {
  readonly strict: boolean;
  readonly scan: boolean;
}

export const doctorCommand: Command<DoctorParams> = {
  name: "doctor",
  summary: "check the store: reachable, schema version, indexes, settings",
  flags: {
    strict: { type: "boolean" },
    scan: { type: "boolean" },
  },
  help: [
    "  --strict               exit 1 on warnings too (Redis persistence settings, …)",
    "  --scan                 Redis: also look for data of version 0.1 (SCANs every key)",
  ],
  connects: false,

  parse(values, { target }) {
    const scan = booleanFlag(values, "scan");
    if (scan && target.kind !== "redis")
      throw new UsageError("--scan is for Redis stores (PostgreSQL checks read the catalog only)");
    return { strict: booleanFlag(values, "strict"), scan };
  },

  async execute(params, backend) {
    const checks = await backend.doctor({ scan: params.scan });
    const failed = checks.filter((check) => check.status === "fail");
    const warned = checks.filter((check) => check.status === "warn");
    const healthy = failed.length === 0;
    const width = Math.max(...checks.map((check) => check.name.length));
    const text = checks.map(
      (check) => `${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${check.detail}`,
    );
    if (!healthy)
      text.push(
        `unhealthy: ${plural(failed.length, "check")} failed (${failed.map((c) => c.name).join(", ")})`,
      );
    else if (warned.length > 0)
      text.push(
        `healthy, with ${plural(warned.length, "warning")} (${warned.map((c) => c.name).join(", ")})${params.strict ? ": failing under --strict" : ""}`,
      );
    else text.push("healthy");
    return {
      ok: healthy && !(params.strict && warned.length > 0),
      json: { healthy, checks },
      text,
    };
  },
};
