import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CredentialsRequiredError } from '../core/errors.js';
import { assertAuthLevel, checkAuthLevel, type AuthLevelOptions } from '../core/step-up.js';
import { getGuard } from './request.js';
import { refuse } from './respond.js';

/**
 * Step-up authentication (RFC 9470): lets a request through only if the user authenticated the way
 * the route needs: with one of `acrValues` (the record's `acr`), and at most `maxAgeSeconds` ago (its
 * `authTime`, measured with the clock of the `tokenGuard` that authenticated the request).
 * Otherwise 401 `insufficient_user_authentication`, with `acr_values="…"` and/or `max_age="…"` for
 * the requirements the token failed, so that the client can ask the authorization server for a new
 * token. It runs where it is mounted, after the token is valid: mounted before `requireScopes`, its
 * 401 comes first. On a request no guard authenticated it answers 401 with a plain challenge.
 * Options are checked now.
 *
 * @example
 * app.post('/api/transfers', requireAuthLevel({ acrValues: ['urn:mfa'], maxAgeSeconds: 300 }), transfer);
 */
export function requireAuthLevel(options: AuthLevelOptions): RequestHandler {
  const level = checkAuthLevel('requireAuthLevel', options);
  return function requireAuthLevelMiddleware(req: Request, res: Response, next: NextFunction): void {
    const guard = getGuard(req);
    try {
      if (req.auth === undefined || guard === undefined) throw new CredentialsRequiredError('not_authenticated');
      assertAuthLevel(req.auth, level, guard.clock());
    } catch (error) {
      refuse(req, res, next, error);
      return;
    }
    next();
  };
}
