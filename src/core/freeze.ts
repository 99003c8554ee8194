/**
 * Freezes `value` and everything reachable from it through own enumerable keys, in place, and
 * returns it. An object already frozen is taken as frozen all the way down (records sealed before,
 * shared lists), so a value is walked once.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
