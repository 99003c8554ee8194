import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { isAuthError } from '../core/errors.js';
import { sendAuthError } from './respond.js';

/**
 * Optional: renders every error this package raises as JSON, `{ "error": …, "error_description": … }`,
 * with its status and headers, and passes every other error on. Mount it after your routes.
 *
 * `error` is the RFC 6750 code of the challenge (`invalid_request`, `invalid_token`, …); when it has
 * none, the body says `unauthorized` (401 without credentials) or `temporarily_unavailable` (503).
 * The header stays authoritative. The body never holds the token or a store's message.
 *
 * The response is the one `res.json` would send, headers included; its bytes are made once per kind
 * of error and reused. `tokenGuard({ sendErrors: true })` sends the same response without passing
 * through Express's error routing.
 *
 * @example
 * app.use(authErrorHandler());
 */
export function authErrorHandler(): ErrorRequestHandler {
  return function authErrorHandlerMiddleware(error: unknown, req: Request, res: Response, next: NextFunction): void {
    if (!isAuthError(error) || res.headersSent) {
      next(error);
      return;
    }
    sendAuthError(req, res, error);
  };
}
