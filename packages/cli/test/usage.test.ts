/**
 * The command line itself: usage errors exit 2 (with a JSON document under
 * `--json`), help and version exit 0, an unreachable store exits 1. No
 * server is needed: the unreachable stores are closed loopback ports.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli } from "./support.js";

const PG = ["--database-url", "postgres://postgres@127.0.0.1:1/none"];
const REDIS = ["--redis-url", "redis://127.0.0.1:1"];

describe("usage errors exit 2", () => {
  it.each<[string[], RegExp]>([
    [[], /no command given/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["--database-url", "x"], /a command comes first/],
    [["doctor", ...PG, "--bogus"], /--bogus/],
    [["doctor", ...PG, "extra"], /extra/],
    [["doctor", "--database-url"], /--database-url/],
    [["doctor"], /no store given/],
    [["doctor", ...PG, ...REDIS], /not both/],
    [["doctor", ...REDIS, "--schema", "s"], /--schema is for PostgreSQL/],
    [["doctor", ...PG, "--prefix", "p"], /--prefix is for Redis/],
    [["doctor", ...REDIS, "--prefix", "a{b}"], /--prefix must be/],
    [["doctor", ...PG, "--scan"], /--scan is for Redis/],
    [["migrate", ...PG, "--program", "acme"], /--program/],
    [["expire", ...PG, "--before", "tomorrow"], /--before takes an ISO 8601 instant/],
    [["expire", ...PG, "--before", "2999-01-01T00:00:00Z"], /--before must not be later than now/],
    [["expire", ...PG, "--batch-size", "0"], /--batch-size takes an integer from 1 to 500/],
    [["expire", ...PG, "--batch-size", "ten"], /--batch-size/],
    [["expire", ...PG, "--program", ""], /--program takes a program id/],
    [["report", ...PG, "--coin-value=-1"], /--coin-value must be a positive decimal/],
    [["report", ...PG, "--coin-value", "0"], /--coin-value must be a positive decimal/],
    [["report", ...PG, "--coin-value", "acme=zero"], /--coin-value acme=… must be a positive/],
    [["report", ...PG, "--coin-value", "1", "--coin-value", "2"], /given twice/],
  ])("%j - should exit 2 and say what is wrong", async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/--help for usage/);
  });

  it("--json - should print one JSON document with the USAGE code", async () => {
    const result = await cli(["doctor", ...PG, "--json", "--bogus"]);
    expect(result.code).toBe(2);
    expect(result.json()).toEqual({
      ok: false,
      command: "doctor",
      error: { code: "USAGE", message: expect.stringContaining("--bogus") },
    });
  });

  it("environment - should refuse both DATABASE_URL and REDIS_URL without COINAGE_STORE", async () => {
    const env = { DATABASE_URL: "postgres://127.0.0.1:1/x", REDIS_URL: "redis://127.0.0.1:1" };
    const result = await cli(["doctor"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/COINAGE_STORE/);
  });

  it("environment - should refuse a bad COINAGE_PROGRAMS for report", async () => {
    const result = await cli(["report", ...PG], { COINAGE_PROGRAMS: "[1]" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/COINAGE_PROGRAMS must be a JSON object/);
  });
});

describe("help and version exit 0", () => {
  it("--help - should list every command and the exit codes", async () => {
    const result = await cli(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["migrate", "doctor", "expire", "report"])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(result.stdout).toMatch(/Exit codes: 0 ok, 1 failed or unhealthy, 2 usage error/);
  });

  it("<command> --help - should list the command's own flags", async () => {
    const result = await cli(["expire", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--before <instant>/);
    expect(result.stdout).toMatch(/--database-url <url>/);
  });

  it("--version - should print the package's version", async () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    const result = await cli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(manifest.version);
  });
});

describe("an unreachable store exits 1", () => {
  it("doctor on PostgreSQL - should fail the reachable check", async () => {
    const result = await cli(["doctor", ...PG, "--json"]);
    expect(result.code).toBe(1);
    const doc = result.json();
    expect(doc).toMatchObject({
      ok: false,
      command: "doctor",
      store: { kind: "postgres", url: "postgres://postgres@127.0.0.1:1/none", schema: null },
      healthy: false,
    });
    expect(doc.checks).toEqual([
      {
        name: "reachable",
        status: "fail",
        detail: expect.stringMatching(/cannot reach PostgreSQL/),
      },
    ]);
  });

  it("migrate on PostgreSQL - should answer STORE_UNAVAILABLE", async () => {
    const result = await cli(["migrate", ...PG, "--json"]);
    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({
      ok: false,
      command: "migrate",
      error: { code: "STORE_UNAVAILABLE", message: expect.stringMatching(/cannot reach/) },
    });
    expect(result.stderr).toMatch(/^coinage migrate: cannot reach PostgreSQL/);
  });

  it("report on Redis, chosen by COINAGE_STORE - should answer STORE_UNAVAILABLE", async () => {
    const env = {
      DATABASE_URL: "postgres://127.0.0.1:1/x",
      REDIS_URL: "redis://127.0.0.1:1",
      COINAGE_STORE: "redis",
    };
    const result = await cli(["report", "--json"], env);
    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({
      ok: false,
      store: { kind: "redis", prefix: "coinage" },
      error: { code: "STORE_UNAVAILABLE" },
    });
  });

  it("a password in the URL - should never be printed", async () => {
    const result = await cli([
      "doctor",
      "--database-url",
      "postgres://admin:s3cret@127.0.0.1:1/x",
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/s3cret/);
    expect(result.stderr).not.toMatch(/s3cret/);
    expect(result.json()).toMatchObject({ store: { url: "postgres://admin:****@127.0.0.1:1/x" } });
  });
});
