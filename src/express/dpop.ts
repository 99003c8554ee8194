import type { Response } from 'express';

const EXPOSED = ['WWW-Authenticate', 'DPoP-Nonce'];

/**
 * Adds `WWW-Authenticate` and `DPoP-Nonce` to `Access-Control-Expose-Headers` (keeping what CORS
 * middleware mounted before the guard put there), so that a browser client can read a DPoP
 * challenge and a nonce (RFC 9449 §7.1, §8.2).
 */
export function exposeDpopHeaders(res: Response): void {
  const current = res.getHeader('Access-Control-Expose-Headers');
  const listed = current === undefined ? [] : String(current).split(',').map((name) => name.trim()).filter((name) => name !== '');
  const missing = EXPOSED.filter((name) => !listed.some((given) => given.toLowerCase() === name.toLowerCase()));
  if (missing.length > 0) res.setHeader('Access-Control-Expose-Headers', [...listed, ...missing].join(', '));
}
