import { X509Certificate } from 'node:crypto';
import type { ClientCertificate } from './options.js';

/**
 * A client certificate as DER bytes: from DER itself, an `X509Certificate`, or PEM text (which
 * throws when it is not a certificate). `undefined` and empty bytes are no certificate.
 */
export function toDer(certificate: ClientCertificate | undefined): Uint8Array | undefined {
  if (certificate === undefined) return undefined;
  if (certificate instanceof X509Certificate) return certificate.raw;
  if (typeof certificate === 'string') return new X509Certificate(certificate).raw;
  return certificate instanceof Uint8Array && certificate.length > 0 ? certificate : undefined;
}
