import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { BindingProof } from '../core/binding.js';
import type { ClientCertificate, MtlsOptions } from '../core/options.js';

/**
 * The proof a request offers for a certificate-bound token: its client certificate as DER, read
 * only when a bound token asks for it, from `clientCertificate(req)` or else the TLS socket.
 */
export function mtlsProof(req: Request, mtls: MtlsOptions<Request>): BindingProof {
  return {
    clientCertificate: () => {
      if (mtls.clientCertificate === undefined) return socketCertificate(req);
      try {
        return toDer(mtls.clientCertificate(req));
      } catch {
        return undefined;
      }
    },
  };
}

function socketCertificate(req: Request): Uint8Array | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate(false)?.raw;
  return raw === undefined || raw.length === 0 ? undefined : raw;
}

function toDer(certificate: ClientCertificate | undefined): Uint8Array | undefined {
  if (certificate === undefined) return undefined;
  if (certificate instanceof X509Certificate) return certificate.raw;
  if (typeof certificate === 'string') return new X509Certificate(certificate).raw;
  return certificate instanceof Uint8Array && certificate.length > 0 ? certificate : undefined;
}
