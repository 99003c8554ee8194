import { invalidArgType, invalidArgValue } from './arg-errors.js';
import { InsufficientScopeError } from './errors.js';

// scope-token = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E (RFC 6749 §3.3, RFC 6750 §3)
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Checks a list of required scopes once, where it is configured, so that the `scope` parameter of a
 * challenge is always valid. `what` names the argument in the error. Returns the scopes without
 * repeats, frozen, so the challenge of a refusal can be memoised by the array's identity.
 */
export function checkScopeList(
  what: string,
  scopes: unknown,
  { allowEmpty }: { allowEmpty: boolean },
): readonly string[] {
  if (!Array.isArray(scopes)) {
    throw invalidArgType(`${what} must be an array of scope strings`);
  }
  if (scopes.length === 0 && !allowEmpty) {
    throw invalidArgValue(`${what} needs at least one scope`);
  }
  scopes.forEach((scope: unknown, i) => {
    if (typeof scope !== 'string') {
      throw invalidArgType(
        Array.isArray(scope)
          ? `${what}[${i}] is an array; pass scopes as separate strings`
          : `${what}[${i}] must be a string, not ${typeof scope}`,
      );
    }
    if (!SCOPE_TOKEN.test(scope)) {
      throw invalidArgValue(
        scope.includes(' ')
          ? `${what}[${i}] ("${scope}") holds a space; pass each scope separately`
          : `${what}[${i}] must be a non-empty scope token of printable ASCII without '"' or '\\'`,
      );
    }
  });
  return Object.freeze([...new Set(scopes as string[])]);
}

/** Throws {@link InsufficientScopeError} unless `granted` holds every one of `required`. */
export function assertAllScopes(granted: readonly string[], required: readonly string[]): void {
  for (let i = 0; i < required.length; i++) {
    if (!granted.includes(required[i] as string)) throw new InsufficientScopeError(required, 'all_of');
  }
}

/** Throws {@link InsufficientScopeError} unless `granted` holds at least one of `required`. */
export function assertAnyScope(granted: readonly string[], required: readonly string[]): void {
  for (let i = 0; i < required.length; i++) {
    if (granted.includes(required[i] as string)) return;
  }
  throw new InsufficientScopeError(required, 'any_of');
}
