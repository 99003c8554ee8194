/** A bad argument: exit status 2. The message names the argument and never repeats its value. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** An operation that failed (the store, the input, the upstream server): exit status 1. */
export class CommandError extends Error {
  readonly exitCode = 1;
}

/**
 * The first line of what an error says, for a one-line report: a connection error that Node reports
 * as an `AggregateError` (IPv4 and IPv6 both refused) has an empty message and speaks through its
 * first error or its code.
 */
export function reason(error: unknown): string {
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) return reason(error.errors[0]);
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : typeof code === 'string' ? code : String(error);
  return text.split('\n', 1)[0] as string;
}
