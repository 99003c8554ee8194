import { invalidArgType, invalidArgValue } from './arg-errors.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks a base URL or endpoint: an absolute `https:` URL, or `http:` on a loopback host (for tests
 * and local fakes). Returns it as given.
 */
export function checkHttpsUrl(what: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidArgType(`${what} must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgValue(`${what} must be an absolute URL, not "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw invalidArgValue(`${what} must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "${value}"`);
  }
  if (url.username !== '' || url.password !== '') throw invalidArgValue(`${what} must not hold credentials`);
  return value;
}
