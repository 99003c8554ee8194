/**
 * What a store reports through `onError` when a record it read from its backend cannot be used
 * (invalid JSON, a field of the wrong type): the token is then answered 401 `invalid_token`, and
 * every other token is unaffected. Carries the record's `accessTokenHash` (never a token) and the
 * `field` at fault.
 */
export class CorruptRecordError extends Error {
  /** Stable machine-readable condition. */
  readonly code = 'ERR_CORRUPT_RECORD';

  constructor(
    /** The store that read the record, e.g. `SqliteTokenStore`. */
    readonly store: string,
    /** The key of the record (a hash, never a token). */
    readonly accessTokenHash: string,
    /** The field at fault, or what could not be read (`(JSON)`, `(key type)`). */
    readonly field: string,
    options?: { cause: unknown },
  ) {
    super(`${store}: the record stored for hash ${accessTokenHash} is corrupt (${field}); it is treated as unknown`, options);
  }
}
Object.defineProperty(CorruptRecordError.prototype, 'name', { value: 'CorruptRecordError', writable: true });

/** Where a store sends what is not the caller's fault and does not throw. */
export type OnStoreError = (error: Error) => void;

/** The default `onError`: a process warning, so a corrupt record never goes unnoticed. */
export const warnOnError: OnStoreError = (error) => {
  process.emitWarning(error);
};
