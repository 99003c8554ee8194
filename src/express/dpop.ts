import type { NextFunction, Request, Response } from 'express';
import type { AuthInfo } from '../core/auth-info.js';
import { authenticate } from '../core/authenticate.js';
import { formBodyParameter, hasRepeatedAuthorization, parseDpopAuthorization, queryParameter } from '../core/credentials.js';
import { InvalidRequestError } from '../core/errors.js';
import type { GuardConfig, MtlsOptions } from '../core/options.js';
import type { DpopConfig } from '../binding/dpop-options.js';
import { recordProof, verifyDpopProof, type VerifiedDpopProof } from '../binding/dpop.js';
import { mtlsProof } from './mtls.js';
import { admit, refuse } from './respond.js';
import { setScheme } from './request.js';

const EXPOSED = ['WWW-Authenticate', 'DPoP-Nonce'];

/**
 * The DPoP part of a guard configured with `dpop` (RFC 9449): takes over a request whose
 * `Authorization` uses the DPoP scheme and answers true; leaves any other request to the Bearer path,
 * marking one with two `Authorization` lines so that both challenges carry its 400. A cross-origin
 * request gets `WWW-Authenticate` and `DPoP-Nonce` added to `Access-Control-Expose-Headers`.
 *
 * A DPoP request goes: its `Authorization` value, no token by another method, the proof
 * ({@link verifyDpopProof}), the token with the proof's key as its binding proof, then the replay
 * store. A nonce that is about to expire is renewed on success with a `DPoP-Nonce` header.
 */
export function handleDpop(req: Request, res: Response, next: NextFunction, config: GuardConfig): boolean {
  const dpop = config.dpop as DpopConfig;
  if (req.headers.origin !== undefined) exposeHeaders(res);
  const authorization = req.headers.authorization;
  if (authorization === undefined) return false;
  if (hasRepeatedAuthorization(req.rawHeaders)) {
    setScheme(req, 'both');
    return false;
  }
  let token: string | undefined;
  try {
    token = parseDpopAuthorization(authorization);
    if (token === undefined) return false;
    setScheme(req, 'DPoP');
    const inBody = config.allowFormBody && formBodyParameter(req.method, req.headers['content-type'], req.body) !== undefined;
    if (inBody || (config.allowQuery && queryParameter(req.query) !== undefined)) throw new InvalidRequestError('multiple_methods');
  } catch (error) {
    setScheme(req, 'DPoP');
    refuse(req, res, next, error);
    return true;
  }
  const presented = token;
  const certificate = config.mtls === undefined ? undefined : mtlsProof(req, config.mtls as MtlsOptions<Request>);
  let proof: VerifiedDpopProof;
  verifyDpopProof(dpop, { proof: req.headers.dpop as string | undefined, method: req.method, target: req.originalUrl, token: presented, now: config.clock() })
    .then((verified) => {
      proof = verified;
      return authenticate(config, presented, { ...certificate, dpopJkt: verified.jkt });
    })
    .then((info: AuthInfo) => recordProof(dpop.replayStore, proof).then(() => info))
    .then(
      (info) => {
        if (proof.nonce !== undefined) {
          res.setHeader('DPoP-Nonce', proof.nonce);
          res.setHeader('Cache-Control', 'no-store');
        }
        admit(req, res, next, info, false);
      },
      (error: unknown) => refuse(req, res, next, error),
    );
  return true;
}

function exposeHeaders(res: Response): void {
  const current = res.getHeader('Access-Control-Expose-Headers');
  const listed = current === undefined ? [] : String(current).split(',').map((name) => name.trim()).filter((name) => name !== '');
  const missing = EXPOSED.filter((name) => !listed.some((given) => given.toLowerCase() === name.toLowerCase()));
  if (missing.length > 0) res.setHeader('Access-Control-Expose-Headers', [...listed, ...missing].join(', '));
}
