/**
 * `upgradeRedisStore`: copies the request-id claims version 0.1 kept in each
 * program's slot to their own keys. A single server needs it only to drop
 * the fallback read; a Cluster needs it for request ids booked under 0.1 to
 * stay unique across users (see the README). Accounts and the expiry index
 * migrate by themselves.
 */
import { isValidPrefix } from "./keys.js";
import { copyClaim } from "./scripts/program.js";

/** What the upgrade needs of a server: `SCAN` and `GET`. */
export interface ScanningNode {
  scan(
    cursor: string,
    match: "MATCH",
    pattern: string,
    count: "COUNT",
    n: number,
  ): Promise<[string, string[]]>;
  get(key: string): Promise<string | null>;
}

/** An ioredis `Redis` or `Cluster`: scripts, and the masters to scan on a Cluster. */
export interface UpgradeClient extends Partial<ScanningNode> {
  evalsha(sha1: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  nodes?(role: "master"): readonly ScanningNode[];
}

export interface UpgradeReport {
  /** Claims of version 0.1 found. */
  readonly claims: number;
  /** Claims copied to their new key (the others were there already). */
  readonly copied: number;
  /** Request ids whose new claim names another user than the 0.1 claim: booked twice, check them by hand. */
  readonly conflicts: readonly string[];
}

const LEGACY_CLAIM = /^\{([^{}]*)\}:req:(.+)$/;

/**
 * Copies every claim of version 0.1 under `prefix` to its key of this
 * version (a claim there is never replaced). Idempotent: run it again after
 * an interruption. Run it with no 0.1 process writing. The 0.1 claims stay
 * (this version only reads them).
 */
export async function upgradeRedisStore(options: {
  readonly client: UpgradeClient;
  readonly prefix?: string;
}): Promise<UpgradeReport> {
  const prefix = options.prefix ?? "coinage";
  if (!isValidPrefix(prefix)) throw new TypeError("upgradeRedisStore: invalid prefix");
  const { client } = options;
  const masters = client.nodes?.("master");
  const nodes: readonly ScanningNode[] =
    masters !== undefined && masters.length > 0 ? masters : [client as ScanningNode];
  let claims = 0;
  let copied = 0;
  const conflicts: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:{*}:req:*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const match = LEGACY_CLAIM.exec(key.slice(prefix.length + 1));
        if (match === null) continue;
        const [, program, requestId] = match as unknown as [string, string, string];
        const owner = await node.get(key);
        if (owner === null) continue;
        claims += 1;
        const target = `${prefix}:{${program}/${requestId}}:claim`;
        const [set, existing] = (await client
          .evalsha(copyClaim.sha, 1, target, owner)
          .catch(async (error: unknown) => {
            if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
            return client.eval(copyClaim.source, 1, target, owner);
          })) as [number, string?];
        if (set === 1) copied += 1;
        else if (existing !== owner) conflicts.push(key);
      }
    } while (cursor !== "0");
  }
  return { claims, copied, conflicts };
}
