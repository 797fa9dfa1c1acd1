/**
 * Request fingerprints for idempotency: the canonical JSON of a request's
 * normalised payload. A replay is the same request when its fingerprint is
 * the same string.
 *
 * The fingerprint is the payload itself, not a hash of it. The payload is
 * small and bounded (ids of at most 200 characters, a reason of at most 500,
 * decimals of at most 64), so a stored fingerprint stays under a few KB, and
 * it holds nothing the request's record does not hold already (its result
 * names the user, its entries carry the reason). Equal strings are exactly
 * equal payloads, with no collision to reason about, and no hash runs on a
 * command's path: a SHA-256 of the payload costs several times the canonical
 * JSON itself.
 */

/** JSON with object keys sorted, so equal payloads give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `${out}}`;
}

/**
 * The fingerprint of a request: its normalised payload as canonical JSON.
 * (Keys already in order, as the engine writes its payloads, are not sorted again.)
 */
export function fingerprint(payload: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(payload);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = "";
  for (const key of keys) {
    const value = payload[key];
    if (value === undefined) continue;
    // A payload is plain fields; anything nested is written by the general rule.
    if (typeof value === "object" && value !== null) return canonicalJson(payload);
    out += `${out === "" ? "{" : ","}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return out === "" ? "{}" : `${out}}`;
}
