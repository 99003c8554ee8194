import { hash } from 'node:crypto';
import { InvalidTokenError } from './errors.js';
import type { Confirmation } from './record.js';

/**
 * What a request offers to prove a bound token's binding, given only by a guard configured for it:
 * for mTLS (RFC 8705), a way to read its client certificate, DER-encoded, or `undefined` when it has
 * none; for DPoP (RFC 9449), the thumbprint of the key of its verified proof.
 */
export interface BindingProof {
  clientCertificate?: () => Uint8Array | undefined;
  dpopJkt?: string;
}

/**
 * Throws `InvalidTokenError` unless the request proves every binding of `cnf`: `jkt` must be the
 * thumbprint of the DPoP proof's key (RFC 9449 §6.1), and `x5t#S256` must be
 * base64url(SHA-256(DER)) of the client certificate (RFC 8705 §3). A bound token is never accepted
 * without its proof (RFC 9449 §7.2), and a DPoP proof never comes with a token not bound to a key
 * (RFC 9449 §7.1).
 */
export function verifyBinding(cnf: Readonly<Confirmation> | undefined, proof: BindingProof | undefined): void {
  const jkt = cnf?.jkt;
  const dpopJkt = proof?.dpopJkt;
  if (dpopJkt !== undefined && jkt === undefined) throw new InvalidTokenError('unbound_token');
  if (jkt !== undefined) {
    if (dpopJkt === undefined) throw new InvalidTokenError('unproven_binding');
    if (dpopJkt !== jkt) throw new InvalidTokenError('dpop_key_mismatch');
  }
  const expected = cnf?.['x5t#S256'];
  if (expected === undefined) return;
  if (proof?.clientCertificate === undefined) throw new InvalidTokenError('unproven_binding');
  const der = proof.clientCertificate();
  if (der === undefined) throw new InvalidTokenError('missing_certificate');
  if (hash('sha256', der, 'base64url') !== expected) throw new InvalidTokenError('certificate_mismatch');
}
