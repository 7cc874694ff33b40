/** Random identifiers for our own rows. They say nothing about the person they belong to. */

// Two base-36 digits per byte, as b.toString(36).padStart(2, '0') gives them.
const BASE36 = Array.from({ length: 256 }, (_, b) => b.toString(36).padStart(2, '0'));
/** The id keeps the first 20 characters: ten bytes. */
const ID_BYTES = 10;
// getRandomValues costs about as much per call as for a few kilobytes: draw a batch at a time.
const pool = new Uint8Array(ID_BYTES * 256);
let used = pool.length;

export function newId(prefix: string): string {
  if (used === pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let id = `${prefix}_`;
  for (const end = used + ID_BYTES; used < end; used++) id += BASE36[pool[used]!];
  return id;
}

export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}
