/**
 * Grouping a batch's script calls: on a single server any keys may share a
 * call, so a batch sends a few large calls; on a Cluster only keys of one
 * slot may, so it sends one call per slot. Slots are Redis Cluster's: CRC16
 * (XMODEM) of the key's hash tag, modulo 16384.
 */

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i += 1) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

const encoder = new TextEncoder();

/** The cluster slot of a key (its `{…}` hash tag when it has a non-empty one). */
export function slotOf(key: string): number {
  const open = key.indexOf("{");
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of encoder.encode(hashed))
    crc = ((crc << 8) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number)) & 0xffff;
  return crc % 16384;
}

/** Most items one batched script call carries: a call blocks the server while it runs. */
export const ITEMS_PER_CALL = 64;

/**
 * Items grouped into calls: by slot (`slot` gives an item's key) when calls
 * must stay in one slot, else all together; each group cut into calls of at
 * most {@link ITEMS_PER_CALL} items.
 */
export function groupCalls<T>(
  items: readonly T[],
  oneSlot: boolean,
  slot: (item: T) => string,
): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const key = oneSlot ? slotOf(slot(item)) : 0;
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(item);
  }
  const calls: T[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += ITEMS_PER_CALL)
      calls.push(group.slice(i, i + ITEMS_PER_CALL));
  }
  return calls;
}
