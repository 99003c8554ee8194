import { invalidArgType, invalidArgValue } from './arg-errors.js';
import type { AuthInfo } from './auth-info.js';
import { InsufficientUserAuthenticationError } from './errors.js';
import { checkScopeList } from './scopes.js';

/** Options of `requireAuthLevel`: at least one of them. */
export interface AuthLevelOptions {
  /** The `acr` values that satisfy the route, in order of preference; any one of them will do. */
  acrValues?: readonly string[];
  /** How long ago the user may have authenticated, in seconds (`auth_time`); a token without `authTime` fails it. */
  maxAgeSeconds?: number;
}

/** A checked {@link AuthLevelOptions}. */
export interface AuthLevel {
  readonly acrValues: readonly string[] | undefined;
  readonly maxAgeSeconds: number | undefined;
}

const NAMES = ['acrValues', 'maxAgeSeconds'];

/** Checks {@link AuthLevelOptions} once; a `TypeError` names the option. */
export function checkAuthLevel(what: string, options: unknown): AuthLevel {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgType(`${what}: options must be an object, e.g. { acrValues: ['urn:mfa'], maxAgeSeconds: 300 }`);
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!NAMES.includes(name)) throw invalidArgValue(`${what}: unknown option "${name}" (it takes ${NAMES.join(', ')})`);
  }
  const { acrValues, maxAgeSeconds } = given;
  if (acrValues === undefined && maxAgeSeconds === undefined) {
    throw invalidArgType(`${what}: options need acrValues, maxAgeSeconds or both`);
  }
  if (maxAgeSeconds !== undefined && !(Number.isSafeInteger(maxAgeSeconds) && (maxAgeSeconds as number) >= 0)) {
    throw invalidArgType(`${what}: options.maxAgeSeconds must be a whole number of seconds, 0 or more`);
  }
  return {
    // acr values go into a quoted challenge parameter, so they follow the scope token grammar.
    acrValues: acrValues === undefined ? undefined : checkScopeList(`${what}: options.acrValues`, acrValues, { allowEmpty: false }),
    maxAgeSeconds: maxAgeSeconds as number | undefined,
  };
}

/**
 * Throws {@link InsufficientUserAuthenticationError} (RFC 9470) unless the token's `acr` is one of
 * `acrValues` and its `authTime` is at most `maxAgeSeconds` before `now`; the error names the
 * requirements the token failed.
 */
export function assertAuthLevel(info: AuthInfo, level: AuthLevel, now: number): void {
  const { acrValues, maxAgeSeconds } = level;
  const acrFails = acrValues !== undefined && (info.acr === undefined || !acrValues.includes(info.acr));
  const ageFails = maxAgeSeconds !== undefined && (info.authTime === undefined || !(now - info.authTime <= maxAgeSeconds * 1000));
  if (!acrFails && !ageFails) return;
  throw new InsufficientUserAuthenticationError(
    acrFails && ageFails ? 'acr_and_max_age' : acrFails ? 'acr' : 'max_age',
    acrFails ? acrValues : undefined,
    ageFails ? maxAgeSeconds : undefined,
  );
}
