import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CredentialsRequiredError } from '../core/errors.js';
import { assertAllScopes, assertAnyScope, checkScopeList } from '../core/scopes.js';
import { refuse } from './respond.js';

/**
 * Lets a request through only if its token carries **every** one of `scopes`; otherwise
 * 403 `insufficient_scope` with `scope="…"` listing them (RFC 6750 §3.1). Put it after
 * `tokenGuard`; on a request that no guard authenticated it answers 401 with a plain challenge.
 * The scopes are checked now: each must be a scope token (printable ASCII, no space, `"` or `\`).
 *
 * @example
 * app.get('/api/items', requireScopes('items:read'), listItems);
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  const required = checkScopeList('requireScopes: scopes', scopes, { allowEmpty: false });
  return function requireScopesMiddleware(req: Request, res: Response, next: NextFunction): void {
    checkGranted(req, res, next, required, assertAllScopes);
  };
}

/**
 * Lets a request through if its token carries **at least one** of `scopes`; otherwise
 * 403 `insufficient_scope`, whose `scope="…"` lists the alternatives. Otherwise as {@link requireScopes}.
 *
 * @example
 * app.post('/api/items', requireAnyScope('items:write', 'admin'), createItem);
 */
export function requireAnyScope(...scopes: string[]): RequestHandler {
  const required = checkScopeList('requireAnyScope: scopes', scopes, { allowEmpty: false });
  return function requireAnyScopeMiddleware(req: Request, res: Response, next: NextFunction): void {
    checkGranted(req, res, next, required, assertAnyScope);
  };
}

function checkGranted(
  req: Request,
  res: Response,
  next: NextFunction,
  required: readonly string[],
  assert: (granted: readonly string[], required: readonly string[]) => void,
): void {
  try {
    const scopes = req.auth?.scopes;
    if (!Array.isArray(scopes)) throw new CredentialsRequiredError('not_authenticated');
    assert(scopes, required);
  } catch (error) {
    refuse(req, res, next, error);
    return;
  }
  next();
}
