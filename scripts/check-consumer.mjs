// Type-checks a consumer project against the packed packages (the tarballs
// npm would publish), with skipLibCheck off, under `module` nodenext, node16
// and bundler: the published .d.ts files must compile for every user, not
// only inside this repository (whose own checks resolve to the sources).
//
//   node scripts/check-consumer.mjs        (packages must be built)
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "coinage-consumer-"));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

try {
  const dependencies = {};
  for (const name of readdirSync(join(root, "packages"))) {
    const pkgDir = join(root, "packages", name);
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    if (manifest.private || name === "store-tests") continue;
    const tarball = run("pnpm", ["pack", "--pack-destination", dir], pkgDir)
      .trim()
      .split("\n")
      .pop();
    dependencies[manifest.name] = `file:${tarball}`;
  }
  // The peers a user of every entry point would install, at the versions this repository tests.
  const lock = (name) => {
    const manifest = JSON.parse(
      readFileSync(
        join(root, "packages", "postgres", "node_modules", name, "package.json"),
        "utf8",
      ),
    );
    return manifest.version;
  };
  for (const name of ["pg", "@types/pg", "kysely", "drizzle-orm", "postgres", "@prisma/client"])
    dependencies[name] = lock(name);
  dependencies.ioredis = JSON.parse(
    readFileSync(
      join(root, "packages", "redis", "node_modules", "ioredis", "package.json"),
      "utf8",
    ),
  ).version;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }, null, 2),
  );
  copyFileSync(join(root, "scripts", "consumer", "index.ts"), join(dir, "index.ts"));
  run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"], dir);

  const tsc = join(root, "node_modules", ".bin", "tsc");
  let failed = false;
  for (const [module, resolution] of [
    ["nodenext", "nodenext"],
    ["node16", "node16"],
    ["esnext", "bundler"],
  ]) {
    try {
      run(
        tsc,
        [
          "--noEmit",
          "--strict",
          "--skipLibCheck",
          "false",
          "--target",
          "es2022",
          "--module",
          module,
          "--moduleResolution",
          resolution,
          "--types",
          "node",
          "--typeRoots",
          join(root, "node_modules", "@types"),
          "index.ts",
        ],
        dir,
      );
      console.log(`ok   consumer types, module ${module} / ${resolution}`);
    } catch (error) {
      // Errors inside other libraries' own declarations (drizzle-orm's do not
      // compile with skipLibCheck off, whoever imports them) are theirs; an
      // error in coinage's files or in the consumer's code is ours.
      const ours = `${error.stdout}${error.stderr}`
        .split("\n")
        .filter((line) => /^(index\.ts|node_modules\/@coinage\/)/.test(line));
      const theirs = `${error.stdout}`.split("\n").filter((line) => /^node_modules\//.test(line));
      if (ours.length === 0 && theirs.length > 0) {
        const libraries = [...new Set(theirs.map((line) => line.split("/")[1]))].join(", ");
        console.log(
          `ok   consumer types, module ${module} / ${resolution} (errors only inside ${libraries}'s own declarations)`,
        );
        continue;
      }
      failed = true;
      console.error(
        `FAIL consumer types, module ${module} / ${resolution}\n${ours.join("\n")}${error.stderr}`,
      );
    }
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
