import { hash } from 'node:crypto';
import { InvalidTokenError } from './errors.js';
import type { Confirmation } from './record.js';

/**
 * What a request offers to prove a bound token's binding: for mTLS (RFC 8705), a way to read its
 * client certificate, DER-encoded, or `undefined` when it has none. Given only by a guard configured
 * for the binding; a guard without it proves nothing.
 */
export interface BindingProof {
  clientCertificate?: () => Uint8Array | undefined;
}

/**
 * Throws `InvalidTokenError` unless the request proves every binding of `cnf`: `x5t#S256` must be
 * base64url(SHA-256(DER)) of the client certificate (RFC 8705 §3); `jkt` (DPoP) cannot be proven
 * yet. A bound token is never accepted without its proof (RFC 9449 §7.2).
 */
export function verifyBinding(cnf: Readonly<Confirmation>, proof: BindingProof | undefined): void {
  if (cnf.jkt !== undefined) throw new InvalidTokenError('unproven_binding');
  const expected = cnf['x5t#S256'];
  if (expected === undefined) return;
  if (proof?.clientCertificate === undefined) throw new InvalidTokenError('unproven_binding');
  const der = proof.clientCertificate();
  if (der === undefined) throw new InvalidTokenError('missing_certificate');
  if (hash('sha256', der, 'base64url') !== expected) throw new InvalidTokenError('certificate_mismatch');
}
