/**
 * map[key] when `key` is one of the map's own keys, else undefined. For keys that come from
 * outside (a store's status word, a query parameter, a stored counter): a plain `map[key]` would
 * answer "constructor" or "__proto__" with something from Object.prototype.
 */
export function ownEntry<V>(map: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
