import type { NextFunction, Request, Response } from 'express';
import type { AuthInfo } from '../core/auth-info.js';
import { ChallengeBuilder, DEFAULT_REALM } from '../core/challenge.js';
import { isAuthError, type AuthError } from '../core/errors.js';
import { getGuard, getScheme } from './request.js';
import { publishDecision } from '../channels/publish.js';

const DEFAULT_CHALLENGE = new ChallengeBuilder(DEFAULT_REALM);
const JSON_TYPE = 'application/json; charset=utf-8';
/** Bodies are fixed sentences, so a handful; an application's own `AuthError` subclasses cannot grow the memo past this. */
const MAX_BODIES = 64;

type EtagFunction = (body: Buffer, encoding?: string) => string | undefined;

interface Body {
  readonly bytes: Buffer;
  etagFn?: EtagFunction;
  etag?: string | undefined;
}

const bodies = new Map<string, Body>();

/**
 * Gives an `AuthError` its response headers, unless it already has a challenge (from the guard that
 * saw the request, or with the default realm when none did), and sets them on the response.
 */
export function setErrorHeaders(req: Request, res: Response, error: AuthError): void {
  if (error.headers['WWW-Authenticate'] === undefined) {
    // A refusal the guard's authorizer did not make (a route guard's, or the application's own).
    const challenge = getGuard(req)?.challenge ?? DEFAULT_CHALLENGE;
    error.headers = challenge.headers(error, getScheme(req));
    publishDecision(undefined, error);
  }
  if (!res.headersSent) {
    for (const name in error.headers) res.setHeader(name, error.headers[name] as string | string[]);
  }
}

/**
 * Refuses the request. Ordinarily: sets the challenge on the response as well as on the error (so it
 * survives an application's own error handler), then passes the error to `next`. When the guard that
 * saw the request has `sendErrors`, answers it here instead. Errors that are not `AuthError`s (a bug,
 * a throwing clock) go to `next` untouched and become a 500.
 */
export function refuse(req: Request, res: Response, next: NextFunction, error: unknown): void {
  if (!isAuthError(error)) {
    next(error);
  } else if (getGuard(req)?.sendErrors === true && !res.headersSent) {
    sendAuthError(req, res, error);
  } else {
    setErrorHeaders(req, res, error);
    next(error);
  }
}

/**
 * Answers with `error`: its status and headers, and the JSON body `{ error, error_description }`,
 * exactly as `res.status(…).json(error.toJSON())` would (`Content-Type`, `Content-Length`, and the
 * `ETag` of the application's `etag` setting). The bytes and the ETag are made once per kind of error:
 * refusals are what an attacker sends by the million.
 */
export function sendAuthError(req: Request, res: Response, error: AuthError): void {
  setErrorHeaders(req, res, error);
  const body = bodyOf(error);
  res.statusCode = error.status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', body.bytes.length);
  const etag = etagOf(body, req.app.get('etag fn') as EtagFunction | undefined);
  if (etag !== undefined && !res.hasHeader('ETag')) res.setHeader('ETag', etag);
  res.end(body.bytes);
}

function bodyOf(error: AuthError): Body {
  const { error: code, error_description: description } = error.toJSON();
  const key = `${code} ${description}`;
  let body = bodies.get(key);
  if (body === undefined) {
    body = { bytes: Buffer.from(JSON.stringify({ error: code, error_description: description })) };
    if (bodies.size < MAX_BODIES) bodies.set(key, body);
  }
  return body;
}

function etagOf(body: Body, etagFn: EtagFunction | undefined): string | undefined {
  if (typeof etagFn !== 'function') return undefined;
  if (body.etagFn !== etagFn) {
    body.etagFn = etagFn;
    body.etag = etagFn(body.bytes, 'utf8');
  }
  return body.etag;
}

/** Lets a request through: with `req.auth` set, or without when it had no credentials and needed none. */
export function admit(req: Request, res: Response, next: NextFunction, info: AuthInfo | undefined, fromQuery: boolean): void {
  if (info === undefined) {
    next();
    return;
  }
  req.auth = info;
  // RFC 6750 §2.3: a response to a request that carried its token in the URI SHOULD be private.
  if (fromQuery) res.setHeader('Cache-Control', 'private');
  next();
}
