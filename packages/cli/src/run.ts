/**
 * `run(argv, io)`: one invocation of the CLI, returning its exit code. The
 * flags are parsed with `node:util` `parseArgs` (strict: an unknown flag is
 * a usage error); the store is opened after the flags check out, and closed
 * whatever happens.
 */
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { isCoinageError } from "@coinage/core";
import { type Backend, messageOf } from "./backends/backend.js";
import {
  type Command,
  type Options,
  type Outcome,
  stringFlag,
  type Values,
} from "./commands/command.js";
import { doctorCommand } from "./commands/doctor.js";
import { expireCommand } from "./commands/expire.js";
import { migrateCommand } from "./commands/migrate.js";
import { reportCommand } from "./commands/report.js";
import { CommandFailure, ExitCode, type Io, UsageError } from "./io.js";
import { describeTarget, resolveTarget, type Target } from "./target.js";

// biome-ignore lint/suspicious/noExplicitAny: each command has its own parameters
const COMMANDS: readonly Command<any>[] = [
  migrateCommand,
  doctorCommand,
  expireCommand,
  reportCommand,
];

/** The flags of every command: the store, and the output. */
const COMMON: Options = {
  "database-url": { type: "string" },
  schema: { type: "string" },
  "redis-url": { type: "string" },
  prefix: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const COMMON_HELP = [
  "Store (one of):",
  "  --database-url <url>   PostgreSQL (default: $DATABASE_URL)",
  "  --schema <name>        schema of the coinage tables (default: $COINAGE_PG_SCHEMA,",
  "                         else the connection's search_path)",
  "  --redis-url <url>      Redis, a single server (default: $REDIS_URL)",
  '  --prefix <prefix>      key prefix (default: $COINAGE_REDIS_PREFIX, else "coinage")',
  "  With both DATABASE_URL and REDIS_URL set and no flag, COINAGE_STORE=postgres|redis picks.",
  "",
  "Output:",
  "  --json                 one JSON document on stdout (also on failure)",
  "  -h, --help             this help",
  "",
  "Exit codes: 0 ok, 1 failed or unhealthy, 2 usage error.",
];

function version(): string {
  // `../package.json` from `src/` and from `dist/` alike.
  const manifest = createRequire(import.meta.url)("../package.json") as { version: string };
  return manifest.version;
}

function mainHelp(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: coinage <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    "",
    ...COMMON_HELP,
    "",
    "coinage <command> --help shows a command's own options. coinage --version prints the version.",
  ];
}

function commandHelp(command: Command<unknown>): string[] {
  return [
    `Usage: coinage ${command.name} [options]`,
    "",
    `${command.summary[0]?.toUpperCase() ?? ""}${command.summary.slice(1)}.`,
    ...(command.help.length > 0 ? ["", "Options:", ...command.help] : []),
    "",
    ...COMMON_HELP,
  ];
}

/** Opens the backend of `target`; only that store's driver is loaded. */
async function openBackend(target: Target): Promise<Backend> {
  if (target.kind === "postgres") {
    const { openPostgres } = await import("./backends/postgres.js");
    return openPostgres(target);
  }
  const { openRedis } = await import("./backends/redis.js");
  return openRedis(target);
}

/** Runs the CLI on `argv` (without the node and script paths) and answers the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const now = io.now ?? Date.now;
  const json = argv.includes("--json");
  const print = (lines: readonly string[]) => {
    if (lines.length > 0) io.stdout(`${lines.join("\n")}\n`);
  };
  const printJson = (document: Record<string, unknown>) =>
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);

  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  let target: Target | undefined;

  try {
    if (command === undefined) {
      if (name === "--help" || name === "-h" || name === "help") {
        print(mainHelp());
        return ExitCode.ok;
      }
      if (name === "--version" || name === "-v") {
        print([version()]);
        return ExitCode.ok;
      }
      throw new UsageError(
        name === undefined || name === "--json"
          ? "no command given"
          : name.startsWith("-")
            ? `a command comes first, got ${JSON.stringify(name)}`
            : `unknown command ${JSON.stringify(name)}`,
      );
    }

    let values: Values;
    try {
      values = parseArgs({
        args: [...rest],
        options: { ...COMMON, ...command.flags },
        strict: true,
        allowPositionals: false,
      }).values as Values;
    } catch (error) {
      throw new UsageError(messageOf(error));
    }
    if (values.help === true) {
      print(commandHelp(command));
      return ExitCode.ok;
    }
    target = resolveTarget(
      {
        "database-url": stringFlag(values, "database-url"),
        "redis-url": stringFlag(values, "redis-url"),
        schema: stringFlag(values, "schema"),
        prefix: stringFlag(values, "prefix"),
      },
      io.env,
    );
    const params = command.parse(values, { target, env: io.env, now });
    const quiet = values.quiet === true;

    const backend = await openBackend(target);
    let outcome: Outcome;
    try {
      if (command.connects) await backend.connect();
      outcome = await command.execute(params, backend, {
        target,
        now,
        progress: (line) => {
          if (!quiet) io.stderr(`${line}\n`);
        },
      });
    } finally {
      await backend.close();
    }
    if (json)
      printJson({
        ok: outcome.ok,
        command: command.name,
        store: describeTarget(target),
        ...outcome.json,
      });
    else print(outcome.text);
    return outcome.ok ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    const usage = error instanceof UsageError;
    const code = usage
      ? "USAGE"
      : error instanceof CommandFailure || isCoinageError(error)
        ? error.code
        : "FAILED";
    const message = messageOf(error);
    if (json)
      printJson({
        ok: false,
        command: command?.name ?? null,
        ...(target === undefined ? {} : { store: describeTarget(target) }),
        error: { code, message },
      });
    const where = command === undefined ? "coinage" : `coinage ${command.name}`;
    io.stderr(`${where}: ${message}\n`);
    if (usage)
      io.stderr(
        `Run coinage ${command === undefined ? "" : `${command.name} `}--help for usage.\n`,
      );
    return usage ? ExitCode.usage : ExitCode.failed;
  }
}
