import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthInfo } from '../core/auth-info.js';
import { authenticate } from '../core/authenticate.js';
import { formBodyParameter, queryParameter, selectToken } from '../core/credentials.js';
import { CredentialsRequiredError } from '../core/errors.js';
import { compileGuardOptions, type MtlsOptions, type TokenGuardOptions } from '../core/options.js';
import { handleDpop } from './dpop.js';
import { mtlsProof } from './mtls.js';
import { admit, refuse } from './respond.js';
import { setGuard } from './request.js';

/**
 * Protects the routes after it with OAuth 2.0 bearer tokens (RFC 6750).
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
 * Options are checked now: a missing or wrong option throws a `TypeError` naming it.
 *
 * @example
 * app.use('/api', tokenGuard({ store, realm: 'example' }));
 * app.get('/api/items', requireScopes('items:read'), (req, res) => res.json({ owner: req.auth?.subject }));
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export function tokenGuard(options: TokenGuardOptions<Request>): RequestHandler {
  const config = compileGuardOptions(options);

  return function tokenGuardMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (
      config.skipPreflight &&
      req.method === 'OPTIONS' &&
      req.headers['access-control-request-method'] !== undefined
    ) {
      next();
      return;
    }
    setGuard(req, config);
    if (config.dpop !== undefined && handleDpop(req, res, next, config)) return;
    const authorization = req.headers.authorization;
    const fromQuery = config.allowQuery ? queryParameter(req.query) : undefined;
    let result: AuthInfo | Promise<AuthInfo> | undefined;
    try {
      const token = selectToken(
        authorization,
        req.rawHeaders,
        config.allowFormBody ? formBodyParameter(req.method, req.headers['content-type'], req.body) : undefined,
        fromQuery,
      );
      if (token !== undefined) {
        if (config.dpop?.required === true) throw new CredentialsRequiredError('dpop_required');
        result = authenticate(config, token, config.mtls === undefined ? undefined : mtlsProof(req, config.mtls as MtlsOptions<Request>));
      } else if (config.credentialsRequired) {
        throw new CredentialsRequiredError(authorization ? 'unsupported_scheme' : 'missing');
      }
    } catch (error) {
      refuse(req, res, next, error);
      return;
    }
    if (result === undefined) {
      next();
    } else if (result instanceof Promise) {
      result.then(
        (info) => admit(req, res, next, info, fromQuery !== undefined),
        (error: unknown) => refuse(req, res, next, error),
      );
    } else {
      admit(req, res, next, result, fromQuery !== undefined);
    }
  };
}
