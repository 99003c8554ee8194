/** Adds `hash` to the set of `key` in an index of hashes by subject or client id. */
export function addTo<K>(index: Map<K, Set<string>>, key: K, hash: string): void {
  const hashes = index.get(key);
  if (hashes === undefined) index.set(key, new Set([hash]));
  else hashes.add(hash);
}

/** Removes `hash` from the set of `key`, and the key with its last hash. */
export function removeFrom<K>(index: Map<K, Set<string>>, key: K, hash: string): void {
  const hashes = index.get(key);
  hashes?.delete(hash);
  if (hashes?.size === 0) index.delete(key);
}
