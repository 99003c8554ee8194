import type { NextFunction, Request, Response } from 'express';
import { ChallengeBuilder, DEFAULT_REALM } from '../core/challenge.js';
import { isAuthError, type AuthError } from '../core/errors.js';
import { getChallenge } from './request.js';

const DEFAULT_CHALLENGE = new ChallengeBuilder(DEFAULT_REALM);

/**
 * Gives an `AuthError` its response headers, unless it already has a challenge (from the guard that
 * saw the request, or with the default realm when none did), and sets them on the response.
 */
export function setErrorHeaders(req: Request, res: Response, error: AuthError): void {
  if (error.headers['WWW-Authenticate'] === undefined) {
    const challenge = getChallenge(req) ?? DEFAULT_CHALLENGE;
    error.headers = { 'WWW-Authenticate': challenge.build(error), 'Cache-Control': 'no-store' };
  }
  if (!res.headersSent) {
    for (const name in error.headers) res.setHeader(name, error.headers[name] as string);
  }
}

/**
 * Refuses the request: sets the challenge on the response as well as on the error (so it survives
 * an application's own error handler), then passes the error to `next`. Errors that are not
 * `AuthError`s (a bug, a throwing clock) go to `next` untouched and become a 500.
 */
export function refuse(req: Request, res: Response, next: NextFunction, error: unknown): void {
  if (isAuthError(error)) setErrorHeaders(req, res, error);
  next(error);
}
