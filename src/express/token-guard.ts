import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthInfo } from '../core/auth-info.js';
import { authorizerFor, schemeOf } from '../core/authorizer.js';
import { queryParameter } from '../core/credentials.js';
import { compileGuardOptions, type MtlsOptions, type TokenGuardOptions } from '../core/options.js';
import { exposeDpopHeaders } from './dpop.js';
import { clientCertificateOf } from './mtls.js';
import { admit, refuse } from './respond.js';
import { setGuard, setScheme } from './request.js';

/**
 * Protects the routes after it with OAuth 2.0 bearer tokens (RFC 6750), and with DPoP-bound
 * (RFC 9449) and certificate-bound (RFC 8705) tokens when configured.
 *
 * For each request it reads the token (the `Authorization: Bearer` header; the form body or the
 * query only when enabled), hashes it, looks the hash up in `store`, checks the record and the
 * guard's `requiredScopes`, and sets `req.auth`. Otherwise it calls `next(err)` with an `AuthError`
 * whose `status` and `headers` (a `WWW-Authenticate` challenge and `Cache-Control: no-store`) are
 * also set on the response (or, with `sendErrors: true`, answers it at once, as `authErrorHandler` would):
 *
 * | condition | status | challenge `error` |
 * |---|---|---|
 * | malformed header, token sent twice or by two methods | 400 | `invalid_request` |
 * | no credentials, or another scheme | 401 | none |
 * | unknown, expired or malformed record | 401 | `invalid_token` |
 * | missing one of `requiredScopes` | 403 | `insufficient_scope` |
 * | `hash` or the store threw or rejected | 503 | none |
 *
 * Every decision is the framework-free {@link createAuthorizer}'s; this adapter only reads the
 * request, lets CORS preflights through, marks a response to a query token `Cache-Control: private`
 * and exposes the DPoP headers to cross-origin callers. Options are checked now: a missing or wrong
 * option throws a `TypeError` naming it.
 *
 * @example
 * app.use('/api', tokenGuard({ store, realm: 'example' }));
 * app.get('/api/items', requireScopes('items:read'), (req, res) => res.json({ owner: req.auth?.subject }));
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export function tokenGuard(options: TokenGuardOptions<Request>): RequestHandler {
  const config = compileGuardOptions(options);
  const authorizer = authorizerFor(config);
  const mtls = config.mtls as MtlsOptions<Request> | undefined;

  return function tokenGuardMiddleware(req: Request, res: Response, next: NextFunction): void {
    const { headers } = req;
    if (config.skipPreflight && req.method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) {
      next();
      return;
    }
    setGuard(req, config);
    if (config.dpop !== undefined) {
      setScheme(req, schemeOf(config, headers.authorization, req.rawHeaders));
      if (headers.origin !== undefined) exposeDpopHeaders(res);
    }
    const query = config.allowQuery ? req.query : undefined;
    let result: AuthInfo | undefined | Promise<AuthInfo | undefined>;
    try {
      result = authorizer.authorize(
        {
          authorization: headers.authorization,
          rawHeaders: req.rawHeaders,
          method: req.method,
          target: req.originalUrl,
          contentType: headers['content-type'],
          body: config.allowFormBody ? req.body : undefined,
          query,
          dpop: headers.dpop as string | undefined,
          clientCertificate: mtls === undefined ? undefined : clientCertificateOf(req, mtls),
        },
        res,
      );
    } catch (error) {
      refuse(req, res, next, error);
      return;
    }
    const fromQuery = query !== undefined && queryParameter(query) !== undefined;
    if (result instanceof Promise) {
      result.then(
        (info) => admit(req, res, next, info, fromQuery),
        (error: unknown) => refuse(req, res, next, error),
      );
    } else {
      admit(req, res, next, result, fromQuery);
    }
  };
}
