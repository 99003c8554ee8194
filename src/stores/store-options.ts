import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { warnOnError, type OnStoreError } from './corrupt-record.js';

/**
 * Checks that a store's options are an object with only the option names it knows, and returns
 * them with `onError` checked and defaulted. `example` shows the required option in the message.
 */
export function checkStoreOptions<T extends { onError?: OnStoreError }>(
  store: string,
  options: T,
  names: readonly string[],
  example: string,
): T & { onError: OnStoreError } {
  if (typeof options !== 'object' || options === null) throw invalidArgType(`${store}: options must be an object, e.g. ${example}`);
  for (const name of Object.keys(options)) {
    if (!names.includes(name)) throw invalidArgValue(`${store}: unknown option "${name}" (it takes ${names.join(', ')})`);
  }
  const onError = options.onError ?? warnOnError;
  if (typeof onError !== 'function') throw invalidArgType(`${store}: options.onError must be a function`);
  return { ...options, onError };
}
