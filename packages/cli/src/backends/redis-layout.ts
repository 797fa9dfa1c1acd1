/**
 * The parts of `@coinage/redis`'s key layout the CLI reads by scanning (see
 * "Key layout" in its README; the layout never changes): account heads
 * `<prefix>:{<p>:<u>}:head`, accounts of version 0.1 not yet migrated
 * (`…:open`), and request-id claims of version 0.1 (`<prefix>:{<p>}:req:<r>`)
 * with the key this version keeps them under (`<prefix>:{<p>/<r>}:claim`).
 * Ids in keys are encoded: `A-Z a-z 0-9 _ -` as they are, every other
 * UTF-16 code unit as `%` and four hex digits, the empty id as `~`. Pure.
 */

/** A `SCAN MATCH` pattern matching `text` literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** An id as it was before it was encoded into a key. */
export function decodeKeyId(encoded: string): string {
  if (encoded === "~") return "";
  return encoded.replace(/%([0-9a-f]{4})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

const ENCODED = "[A-Za-z0-9_%~-]*";
const ACCOUNT_KEY = new RegExp(`^\\{(${ENCODED}):(${ENCODED})\\}:(head|open)$`);
const LEGACY_CLAIM = /^\{([^{}]*)\}:req:(.+)$/;

export interface AccountKey {
  readonly program: string;
  readonly user: string;
  /** `head`: any account; `open`: an account of version 0.1 not migrated yet. */
  readonly part: "head" | "open";
}

/** Program and user of an account key under `prefix`, or `undefined` for any other key. */
export function parseAccountKey(key: string, prefix: string): AccountKey | undefined {
  if (!key.startsWith(`${prefix}:`)) return undefined;
  const match = ACCOUNT_KEY.exec(key.slice(prefix.length + 1));
  if (match === null) return undefined;
  const [, program, user, part] = match as unknown as [string, string, string, "head" | "open"];
  return { program: decodeKeyId(program), user: decodeKeyId(user), part };
}

/** The key a 0.1 claim is copied to, or `undefined` when `key` is not a 0.1 claim under `prefix`. */
export function legacyClaimTarget(key: string, prefix: string): string | undefined {
  if (!key.startsWith(`${prefix}:`)) return undefined;
  const match = LEGACY_CLAIM.exec(key.slice(prefix.length + 1));
  if (match === null) return undefined;
  const [, program, requestId] = match as unknown as [string, string, string];
  return `${prefix}:{${program}/${requestId}}:claim`;
}

/** `a.b.c` version text at least `minimum`. */
export function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split(".").map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < minimum.length; i += 1) {
    const have = parts[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (Number.isNaN(have)) return false;
    if (have !== want) return have > want;
  }
  return true;
}
