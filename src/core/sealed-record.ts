import { toAuthInfo, type AuthInfo } from './auth-info.js';
import { deepFreeze } from './freeze.js';
import type { AccessToken } from './record.js';

// Returning `target` from a base constructor lets a subclass install its private field on any
// object: the link costs one slot on the record (a WeakMap entry costs several times that), it is
// invisible to Object.keys, jest and util.inspect, and neither copies nor prototype chains carry it.
class Target {
  constructor(target: object) {
    return target;
  }
}

class Seal extends Target {
  readonly #info: AuthInfo;

  constructor(record: AccessToken, info: AuthInfo) {
    super(record);
    this.#info = info;
  }

  static infoOf(value: unknown): AuthInfo | undefined {
    return typeof value === 'object' && value !== null && #info in value ? (value as Seal).#info : undefined;
  }
}

/**
 * Deep-freezes a record that `checkRecord` returned (a fresh copy the store now owns) and computes
 * its {@link AuthInfo} now: the guard then skips the type checks for it and only compares hash and
 * expiry. Never pass a record that was not checked: the guard trusts a sealed record's types.
 *
 * A store that shares property lists between records (see `ListInterner`) passes the shared list's
 * `properties` map (`toPropertyMap` of it), so that the AuthInfo of those records share it too.
 */
export function sealRecord(checked: AccessToken, properties?: Readonly<Record<string, string>>): Readonly<AccessToken> {
  new Seal(checked, properties === undefined ? toAuthInfo(checked) : toAuthInfo(checked, properties));
  return deepFreeze(checked);
}

/** The AuthInfo of a record made by {@link sealRecord}, or `undefined` for any other value. */
export function sealedAuthInfo(record: unknown): AuthInfo | undefined {
  return Seal.infoOf(record);
}
