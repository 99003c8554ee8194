import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { ClientCertificate, MtlsOptions } from '../core/options.js';

/**
 * How a request's client certificate is read, for a certificate-bound token: `mtls.clientCertificate(req)`
 * when the application gave it (behind a TLS-terminating proxy), else the TLS socket's peer certificate.
 */
export function clientCertificateOf(req: Request, mtls: MtlsOptions<Request>): () => ClientCertificate | undefined {
  const read = mtls.clientCertificate;
  return read === undefined ? () => socketCertificate(req) : () => read(req);
}

function socketCertificate(req: Request): Uint8Array | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate(false)?.raw;
  return raw === undefined || raw.length === 0 ? undefined : raw;
}
