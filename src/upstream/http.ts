import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { UpstreamError } from '../core/upstream-error.js';

/** The part of the WHATWG `fetch` the upstream stores use; the global one by default. */
export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal; redirect: 'error' },
) => Promise<{
  /** The HTTP status of the answer. */
  status: number;
  /** Reads the whole body as text; rejects when the connection fails or `signal` aborts first. */
  text(): Promise<string>;
}>;

/** An answer that came back whole within the time allowed: its status and its parsed JSON. */
export interface UpstreamAnswer {
  readonly status: number;
  /** The parsed body; `undefined` when it was not JSON (the status then says what happened). */
  readonly json: unknown;
}

/** Checks an optional `fetch` option; the global `fetch` by default. */
export function checkFetch(what: string, value: unknown): FetchLike {
  if (value === undefined) return globalThis.fetch as unknown as FetchLike;
  if (typeof value !== 'function') throw invalidArgType(`${what} must be a function (a fetch implementation)`);
  return value as FetchLike;
}

/** Checks a non-empty string option. */
export function checkText(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidArgType(`${what} must be a non-empty string`);
  return value;
}

// One line of visible ASCII and spaces, trimmed: what a header value may be.
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Checks a credential that goes into a request header. fetch would refuse any other value on every
 * request with an error message that quotes it, and so put the credential into errors and warnings.
 * The message here does not hold the value.
 */
export function checkHeaderValue(what: string, value: unknown): string {
  if (!HEADER_VALUE.test(checkText(what, value))) {
    throw invalidArgValue(`${what} must be one line of visible ASCII characters and spaces, without leading or trailing space`);
  }
  return value as string;
}

/**
 * Sends one request and reads its whole body within `timeoutMs`, then parses it as JSON when it can.
 * A network error, a body cut short or no complete answer in time rejects with an
 * {@link UpstreamError} named after `what` (never with the request's body or headers: they hold
 * the token and the credentials), and so does a redirect. A late answer after the time is up is dropped.
 */
export async function exchange(
  fetch: FetchLike,
  what: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<UpstreamAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // A redirect would send the token (and the credentials) again, maybe elsewhere: it is a failure.
    const response = await fetch(url, { ...init, signal: controller.signal, redirect: 'error' });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  } catch (cause) {
    if (controller.signal.aborted) throw new UpstreamError(`${what}: no answer within ${timeoutMs} ms`);
    throw new UpstreamError(`${what}: the request failed (${describe(cause)})`, { cause });
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** A plain JSON object, not an array or null. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
