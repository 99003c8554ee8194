import type { AuthInfo } from './auth-info.js';
import { authenticate } from './authenticate.js';
import type { BindingProof } from './binding.js';
import type { ChallengeScheme } from './challenge.js';
import { toDer } from './certificate.js';
import { formBodyParameter, hasRepeatedAuthorization, parseDpopAuthorization, queryParameter, selectToken } from './credentials.js';
import { CredentialsRequiredError, InvalidRequestError, isAuthError, type AuthError } from './errors.js';
import { compileGuardOptions, type ClientCertificate, type GuardConfig, type TokenGuardOptions } from './options.js';
import { recordProof, verifyDpopProof, type VerifiedDpopProof } from '../binding/dpop.js';
import { publishDecision } from '../channels/publish.js';

/**
 * One request as {@link Authorizer.authorize} needs it: plain values, from any framework. Give only
 * what the authorizer's options use: `query` with `allowQuery`, `contentType` and `body` with
 * `allowFormBody`, `dpop` and `target` with `dpop`, `clientCertificate` with `mtls`.
 */
export interface AuthorizeRequest {
  /** The `Authorization` header (its first line), or `undefined`. */
  readonly authorization?: string | undefined;
  /** Node's raw header list (`[name, value, …]`), to see a repeated `Authorization` line; default none. */
  readonly rawHeaders?: readonly string[] | undefined;
  /** The request method, exactly as sent (`GET`). */
  readonly method: string;
  /** The request target as received (path and query, e.g. `/api/items?x=1`): DPoP's `htu` must name its path. */
  readonly target?: string | undefined;
  /** The `Content-Type` header, for a form-body token. */
  readonly contentType?: string | undefined;
  /** The parsed form body, for a form-body token. */
  readonly body?: unknown;
  /** The parsed query (`{ access_token: … }`), for a query token. */
  readonly query?: unknown;
  /** The `DPoP` header (repeated lines joined with `, `), or `undefined`. */
  readonly dpop?: string | undefined;
  /** Reads the TLS client certificate, for certificate-bound tokens; asked only when a token is bound to one. */
  readonly clientCertificate?: (() => ClientCertificate | undefined) | undefined;
}

/** Where {@link Authorizer.authorize} puts the headers of a successful answer (a renewed `DPoP-Nonce`). */
export interface AuthorizeResponse {
  /**
   * Sets one response header, replacing any earlier value (as Node's `res.setHeader` and Fastify's
   * `reply.header` do). Called only on success, and only with `DPoP-Nonce` and `Cache-Control: no-store`;
   * the return value is ignored.
   */
  setHeader(name: string, value: string): unknown;
}

/**
 * The whole decision of a guard, for plain values: no framework, no `req`. `tokenGuard` is a thin
 * Express adapter over one; `examples/node-http` and `examples/fastify` use one directly.
 */
export interface Authorizer {
  /**
   * Decides one request: its `AuthInfo`, or `undefined` for a request without credentials when
   * `credentialsRequired` is `false`; synchronously when the store answers synchronously, else a
   * Promise. A refusal is thrown (or rejected) as an `AuthError` whose `status` and `headers`
   * (`WWW-Authenticate`, `Cache-Control: no-store`, `DPoP-Nonce`) are the whole HTTP answer; a
   * JSON body is `error.toJSON()`. Every decision is published on `express-token-guard:request`.
   */
  authorize(request: AuthorizeRequest, response?: AuthorizeResponse): AuthInfo | undefined | Promise<AuthInfo | undefined>;
  /**
   * Gives an `AuthError` raised later for the same request (a scope or step-up check of the
   * application) this authorizer's headers, and publishes the decision. Returns the error.
   */
  refuse(error: AuthError, request: Pick<AuthorizeRequest, 'authorization' | 'rawHeaders'>): AuthError;
}

/**
 * Makes an {@link Authorizer} from `tokenGuard`'s options (checked now; a `TypeError` names a wrong
 * one). Frameworks other than Express call `authorize` per request and answer a thrown `AuthError`
 * with its `status`, `headers` and `toJSON()`.
 *
 * @example
 * const authorizer = createAuthorizer({ store });
 * http.createServer(async (req, res) => {
 *   try {
 *     const auth = await authorizer.authorize({ authorization: req.headers.authorization, rawHeaders: req.rawHeaders, method: req.method ?? 'GET' });
 *     res.end(JSON.stringify({ subject: auth?.subject }));
 *   } catch (error) {
 *     if (!isAuthError(error)) throw error;
 *     res.writeHead(error.status, error.headers).end(JSON.stringify(error));
 *   }
 * });
 */
export function createAuthorizer(options: TokenGuardOptions): Authorizer {
  return authorizerFor(compileGuardOptions(options));
}

/** The {@link Authorizer} of options already compiled. */
export function authorizerFor(config: GuardConfig): Authorizer {
  return {
    authorize: (request, response) => authorize(config, request, response),
    refuse: (error, request) => refused(config, error, schemeOf(config, request.authorization, request.rawHeaders)),
  };
}

/**
 * Which challenge carries a refusal's error (RFC 9449 §7.2): `DPoP` for a DPoP credential, `both`
 * for two `Authorization` lines, else `Bearer`. Always `Bearer` for a guard without `dpop`.
 */
export function schemeOf(config: GuardConfig, authorization: string | undefined, rawHeaders: readonly string[] | undefined): ChallengeScheme {
  if (config.dpop === undefined || authorization === undefined) return 'Bearer';
  if (rawHeaders !== undefined && hasRepeatedAuthorization(rawHeaders)) return 'both';
  try {
    return parseDpopAuthorization(authorization) === undefined ? 'Bearer' : 'DPoP';
  } catch {
    return 'DPoP';
  }
}

const NO_HEADERS: readonly string[] = [];

function authorize(config: GuardConfig, request: AuthorizeRequest, response: AuthorizeResponse | undefined): AuthInfo | undefined | Promise<AuthInfo | undefined> {
  let result: AuthInfo | undefined | Promise<AuthInfo | undefined>;
  try {
    result = decide(config, request, response);
  } catch (error) {
    throw refusedRequest(config, error, request);
  }
  if (result instanceof Promise) {
    return result.then(
      (info) => accepted(info),
      (error: unknown) => {
        throw refusedRequest(config, error, request);
      },
    );
  }
  return accepted(result);
}

function decide(config: GuardConfig, request: AuthorizeRequest, response: AuthorizeResponse | undefined): AuthInfo | undefined | Promise<AuthInfo> {
  const { authorization } = request;
  const rawHeaders = request.rawHeaders ?? NO_HEADERS;
  const bodyToken = config.allowFormBody ? formBodyParameter(request.method, request.contentType, request.body) : undefined;
  const queryToken = config.allowQuery ? queryParameter(request.query) : undefined;
  if (config.dpop !== undefined && authorization !== undefined && !hasRepeatedAuthorization(rawHeaders)) {
    const token = parseDpopAuthorization(authorization);
    if (token !== undefined) {
      if (bodyToken !== undefined || queryToken !== undefined) throw new InvalidRequestError('multiple_methods');
      return authorizeDpop(config, request, token, response);
    }
  }
  const token = selectToken(authorization, rawHeaders, bodyToken, queryToken);
  if (token !== undefined) {
    if (config.dpop?.required === true) throw new CredentialsRequiredError('dpop_required');
    return authenticate(config, token, config.mtls === undefined ? undefined : certificateProof(request));
  }
  if (config.credentialsRequired) throw new CredentialsRequiredError(authorization ? 'unsupported_scheme' : 'missing');
  return undefined;
}

/**
 * A DPoP request (RFC 9449): the proof ({@link verifyDpopProof}), the token with the proof's key as
 * its binding proof, then the replay store; a nonce about to expire is renewed in `DPoP-Nonce`.
 */
async function authorizeDpop(config: GuardConfig, request: AuthorizeRequest, token: string, response: AuthorizeResponse | undefined): Promise<AuthInfo> {
  const dpop = config.dpop as NonNullable<GuardConfig['dpop']>;
  const proof: VerifiedDpopProof = await verifyDpopProof(dpop, {
    proof: request.dpop,
    method: request.method,
    target: request.target ?? '/',
    token,
    now: config.clock(),
  });
  const certificate = config.mtls === undefined ? undefined : certificateProof(request);
  const info = await authenticate(config, token, { ...certificate, dpopJkt: proof.jkt });
  await recordProof(dpop.replayStore, proof);
  if (proof.nonce !== undefined && response !== undefined) {
    response.setHeader('DPoP-Nonce', proof.nonce);
    response.setHeader('Cache-Control', 'no-store');
  }
  return info;
}

function certificateProof(request: AuthorizeRequest): BindingProof {
  return {
    clientCertificate: () => {
      try {
        return toDer(request.clientCertificate?.());
      } catch {
        return undefined;
      }
    },
  };
}

function accepted(info: AuthInfo | undefined): AuthInfo | undefined {
  publishDecision(info, undefined);
  return info;
}

function refusedRequest(config: GuardConfig, error: unknown, request: AuthorizeRequest): unknown {
  if (!isAuthError(error)) return error;
  return refused(config, error, schemeOf(config, request.authorization, request.rawHeaders));
}

function refused(config: GuardConfig, error: AuthError, scheme: ChallengeScheme): AuthError {
  if (error.headers['WWW-Authenticate'] === undefined) error.headers = config.challenge.headers(error, scheme);
  publishDecision(undefined, error);
  return error;
}
