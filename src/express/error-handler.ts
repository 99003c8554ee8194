import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { isAuthError } from '../core/errors.js';
import { setErrorHeaders } from './respond.js';

/**
 * Optional: renders every error this package raises as JSON, `{ "error": …, "error_description": … }`,
 * with its status and headers, and passes every other error on. Mount it after your routes.
 *
 * `error` is the challenge's RFC 6750 code when it has one; where the challenge deliberately has
 * none, the body says `unauthorized` (401 without credentials) or `temporarily_unavailable` (503).
 * The header stays authoritative. The body never holds the token or a store's message.
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
    setErrorHeaders(req, res, error);
    res.status(error.status).json(error.toJSON());
  };
}
