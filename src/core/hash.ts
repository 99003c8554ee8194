import { hash } from 'node:crypto';
import { invalidArgType } from './arg-errors.js';

/**
 * The default token hash: SHA-256 over the token's UTF-8 bytes (a bearer token is ASCII, so its
 * octets as sent), base64url without padding: always 43 characters. Stores are keyed by this value
 * (`accessTokenHash`), so they never hold a raw token.
 *
 * Uses the one-shot `crypto.hash()`, which is cheaper per call than `createHash()`.
 *
 * @example
 * hashToken('abc') // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 */
export function hashToken(token: string): string {
  if (typeof token !== 'string') {
    throw invalidArgType('hashToken: token must be a string');
  }
  return hash('sha256', token, 'base64url');
}
