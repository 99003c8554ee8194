import { invalidArgType, invalidArgValue } from './arg-errors.js';
import { ChallengeBuilder, DEFAULT_REALM, checkErrorUri, checkRealm } from './challenge.js';
import { hashToken } from './hash.js';
import { checkHttpsUrl } from './https-url.js';
import type { X509Certificate } from 'node:crypto';
import { checkScopeList } from './scopes.js';
import type { TokenResolver, TokenStore } from './store.js';
import { closestName } from './suggest.js';
import { compileDpopOptions, type DpopConfig, type DpopOptions } from '../binding/dpop-options.js';
import { PUBLISHES_OWN_LOOKUPS, storeName } from '../channels/index.js';

/** A client certificate as `mtls.clientCertificate` may return it: DER bytes, an `X509Certificate`, or PEM text. */
export type ClientCertificate = Uint8Array | X509Certificate | string;

/** The `mtls` option of {@link tokenGuard}: certificate-bound tokens (RFC 8705 §3). */
export interface MtlsOptions<Req = unknown> {
  /**
   * Reads the client certificate of a request, for a guard behind a TLS-terminating proxy (e.g. from
   * the RFC 9440 `Client-Cert` header, which only the proxy may set: strip it from client requests
   * there). `undefined` (or a throw, or text that is not a certificate) is no certificate. Without
   * it, the certificate comes from the request's TLS socket, and no header is ever read.
   */
  clientCertificate?: (req: Req) => ClientCertificate | undefined;
}

/** Options of {@link tokenGuard}. Every one is checked when `tokenGuard` is called. */
export interface TokenGuardOptions<Req = unknown> {
  /**
   * Where records come from: any object with `findByAccessTokenHash(hash)` (a {@link TokenStore}),
   * or with `resolveAccessToken(token)` (a {@link TokenResolver}: Authlete, RFC 7662 introspection),
   * which is asked when a store has both. Required.
   */
  store: TokenStore | TokenResolver;
  /**
   * The `realm` of every `WWW-Authenticate` challenge: printable ASCII, quoted and escaped as
   * RFC 9110 §11.5 requires. Default `"api"` ({@link DEFAULT_REALM}); RFC 6750 §3 forbids a bare `Bearer`.
   */
  realm?: string;
  /**
   * Turns the presented token into the store's key. Default {@link hashToken} (SHA-256,
   * base64url, no padding). May return a Promise. If it throws, rejects or returns anything but a
   * string, the request is answered 503.
   */
  hash?: (token: string) => string | PromiseLike<string>;
  /** Scopes every request through this guard must carry, all of them (403 `insufficient_scope` otherwise). Default `[]`. */
  requiredScopes?: readonly string[];
  /**
   * When `false`, a request with no bearer credentials (none, or another scheme) goes on with
   * `req.auth` undefined; a token that is presented and bad is still refused. Default `true`.
   */
  credentialsRequired?: boolean;
  /**
   * Accept `access_token` in an `application/x-www-form-urlencoded` body of a POST, PUT or PATCH
   * (RFC 6750 §2.2). Mount `express.urlencoded()` before the guard: the guard reads `req.body`.
   * Default `false`.
   */
  allowFormBody?: boolean;
  /**
   * Accept `access_token` in the query string (RFC 6750 §2.3). URLs are logged and cached, so this
   * is off by default (OAuth 2.1 forbids it); when on, a successful response carries
   * `Cache-Control: private`, and turning it on emits one process warning.
   */
  allowQuery?: boolean;
  /** Returns the current time in ms since the epoch. Default `Date.now`. Inject it in tests. */
  clock?: () => number;
  /** How long past `accessTokenExpiresAt` a token is still accepted, in ms. Default `0`. */
  clockToleranceMs?: number;
  /**
   * Let CORS preflight requests (`OPTIONS` with `Access-Control-Request-Method`) through
   * untouched: browsers never send credentials on them. Default `true`.
   */
  skipPreflight?: boolean;
  /** An absolute URI sent as `error_uri` with every challenge that carries an `error`. */
  errorUri?: string;
  /**
   * Answer refusals here, with the JSON body, status and headers {@link authErrorHandler} would send,
   * instead of passing them to `next(err)`: the refusals of this guard, of its `requiredScopes`, and of
   * `requireScopes` / `requireAnyScope` on the requests it saw. Express's error routing then never
   * runs for them (it costs a refusal about a tenth of its CPU time), and no error handler of the
   * application sees them; a 503 still reaches the store's `onError`. Default `false`.
   */
  sendErrors?: boolean;
  /**
   * This resource server's identifier: a record whose `audience` is present and does not name it is
   * refused, 401 `invalid_token`. Records without `audience` are not checked. Default: none.
   */
  audience?: string;
  /**
   * The URL of this resource's protected resource metadata (RFC 9728), sent as
   * `resource_metadata="…"` in every challenge so that clients (MCP clients among them) can discover
   * the authorization server: `protectedResourceMetadataUrl(resource)` gives it. https (`http:` only on
   * loopback). Default: none.
   */
  resourceMetadataUrl?: string;
  /**
   * Accept tokens bound to a client certificate (`cnf['x5t#S256']`, RFC 8705 §3): the SHA-256
   * thumbprint of the request's client certificate must match, else 401 `invalid_token`. `{}` reads
   * the certificate from the TLS socket (ask for it with `requestCert: true`; no chain validation is
   * needed for proof of possession). Without it, a certificate-bound token is always refused.
   */
  mtls?: MtlsOptions<Req>;
  /**
   * Accept DPoP-bound tokens (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof, checked
   * against `origin` and the token's `cnf.jkt`. Every challenge then comes twice, Bearer and DPoP, on
   * their own lines. A Bearer token bound to a key is refused (§7.2); with `required: true`, every
   * Bearer token is. Without it, a DPoP-bound token is always refused. Default: none.
   */
  dpop?: DpopOptions;
  /**
   * Put the token's hash in the messages of `express-token-guard:store` (for correlating with the
   * store's own logs). Never the token itself. Default `false`.
   */
  includeHash?: boolean;
}

/** Options after checking, with every default filled in. */
export interface GuardConfig {
  readonly store: TokenStore | TokenResolver;
  /** The store, when it resolves tokens itself; then it is asked instead of hashing. */
  readonly resolver: TokenResolver | undefined;
  readonly hash: (token: string) => unknown;
  readonly requiredScopes: readonly string[];
  readonly credentialsRequired: boolean;
  readonly allowFormBody: boolean;
  readonly allowQuery: boolean;
  readonly clock: () => number;
  readonly clockToleranceMs: number;
  readonly skipPreflight: boolean;
  readonly challenge: ChallengeBuilder;
  readonly sendErrors: boolean;
  readonly audience: string | undefined;
  /** Set when the guard checks certificate-bound tokens; `clientCertificate` absent reads the TLS socket. */
  readonly mtls: MtlsOptions | undefined;
  /** Set when the guard accepts DPoP proofs. */
  readonly dpop: DpopConfig | undefined;
  /** The store's name in channel messages; `undefined` for a store that publishes its own lookups (a cache). */
  readonly storeName: string | undefined;
  readonly includeHash: boolean;
}

const OPTION_NAMES: ReadonlyArray<keyof TokenGuardOptions> = [
  'store',
  'realm',
  'hash',
  'requiredScopes',
  'credentialsRequired',
  'allowFormBody',
  'allowQuery',
  'clock',
  'clockToleranceMs',
  'skipPreflight',
  'errorUri',
  'sendErrors',
  'audience',
  'resourceMetadataUrl',
  'mtls',
  'dpop',
  'includeHash',
];

const ALIASES: Readonly<Record<string, keyof TokenGuardOptions>> = {
  tokenstore: 'store',
  scope: 'requiredScopes',
  scopes: 'requiredScopes',
  requiredscope: 'requiredScopes',
  credentialsoptional: 'credentialsRequired',
  optional: 'credentialsRequired',
  required: 'credentialsRequired',
  formbody: 'allowFormBody',
  allowbody: 'allowFormBody',
  body: 'allowFormBody',
  query: 'allowQuery',
  allowquerystring: 'allowQuery',
  now: 'clock',
  clocktolerance: 'clockToleranceMs',
  clockskew: 'clockToleranceMs',
  leeway: 'clockToleranceMs',
  tolerance: 'clockToleranceMs',
  hashfunction: 'hash',
  hashtoken: 'hash',
  preflight: 'skipPreflight',
  respond: 'sendErrors',
  senderror: 'sendErrors',
  failwitherror: 'sendErrors',
  aud: 'audience',
  resource: 'audience',
  resourcemetadata: 'resourceMetadataUrl',
  metadataurl: 'resourceMetadataUrl',
  dpopoptions: 'dpop',
  proofofpossession: 'dpop',
};

const STORE_METHOD = 'findByAccessTokenHash';
const RESOLVE_METHOD = 'resolveAccessToken';
let queryWarningEmitted = false;

/**
 * Checks {@link TokenGuardOptions} once and fills in defaults. Throws a `TypeError` coded
 * `ERR_INVALID_ARG_TYPE` or `ERR_INVALID_ARG_VALUE` that names the option, with a suggestion for a
 * misspelt one.
 */
export function compileGuardOptions(options: unknown): GuardConfig {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgType('tokenGuard: options must be an object, e.g. tokenGuard({ store })');
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!(OPTION_NAMES as readonly string[]).includes(name)) {
      const suggestion = closestName(name, OPTION_NAMES, ALIASES);
      throw invalidArgValue(
        `tokenGuard: unknown option "${name}"${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
      );
    }
  }
  const realm = given['realm'] === undefined ? DEFAULT_REALM : checkRealm('tokenGuard: options.realm', given['realm']);
  const errorUri =
    given['errorUri'] === undefined ? undefined : checkErrorUri('tokenGuard: options.errorUri', given['errorUri']);
  const resourceMetadataUrl =
    given['resourceMetadataUrl'] === undefined
      ? undefined
      : checkErrorUri('tokenGuard: options.resourceMetadataUrl', checkHttpsUrl('tokenGuard: options.resourceMetadataUrl', given['resourceMetadataUrl']));
  const allowQuery = optionalBoolean(given, 'allowQuery', false);
  if (allowQuery && !queryWarningEmitted) {
    queryWarningEmitted = true;
    process.emitWarning(
      'tokenGuard: allowQuery is on. Tokens in URLs reach access logs, browser history and Referer headers ' +
        '(RFC 6750 §2.3); redact access_token from logged URLs.',
      { type: 'SecurityWarning', code: 'TOKEN_GUARD_QUERY_TOKENS' },
    );
  }
  const store = checkStore(given['store']);
  const clock = (optionalFunction(given, 'clock') as (() => number) | undefined) ?? Date.now;
  const dpop = given['dpop'] === undefined ? undefined : compileDpopOptions('tokenGuard: options.dpop', given['dpop'], clock);
  const allowFormBody = optionalBoolean(given, 'allowFormBody', false);
  if (dpop?.required === true && (allowFormBody || allowQuery)) {
    throw invalidArgValue('tokenGuard: options.dpop.required accepts DPoP tokens only, so allowFormBody and allowQuery (Bearer methods) must be off');
  }
  return {
    store,
    resolver: typeof (store as Partial<TokenResolver>).resolveAccessToken === 'function' ? (store as TokenResolver) : undefined,
    hash: (optionalFunction(given, 'hash') as GuardConfig['hash'] | undefined) ?? hashToken,
    requiredScopes:
      given['requiredScopes'] === undefined
        ? []
        : checkScopeList('tokenGuard: options.requiredScopes', given['requiredScopes'], { allowEmpty: true }),
    credentialsRequired: optionalBoolean(given, 'credentialsRequired', true),
    allowFormBody,
    allowQuery,
    clock,
    clockToleranceMs: checkTolerance(given['clockToleranceMs']),
    skipPreflight: optionalBoolean(given, 'skipPreflight', true),
    challenge: new ChallengeBuilder(realm, errorUri, resourceMetadataUrl, dpop),
    sendErrors: optionalBoolean(given, 'sendErrors', false),
    audience: checkAudience(given['audience']),
    mtls: checkMtls(given['mtls']),
    dpop,
    storeName: (store as unknown as Record<symbol, unknown>)[PUBLISHES_OWN_LOOKUPS] === true ? undefined : storeName(store),
    includeHash: optionalBoolean(given, 'includeHash', false),
  };
}

function checkStore(store: unknown): TokenStore | TokenResolver {
  if (store === undefined) {
    throw invalidArgType('tokenGuard: options.store is required, e.g. tokenGuard({ store: new MemoryTokenStore() })');
  }
  if ((typeof store !== 'object' && typeof store !== 'function') || store === null) {
    throw invalidArgType(`tokenGuard: options.store must be an object with a ${STORE_METHOD}(hash) or ${RESOLVE_METHOD}(token) method`);
  }
  const has = (name: string) => typeof (store as Record<string, unknown>)[name] === 'function';
  if (!has(STORE_METHOD) && !has(RESOLVE_METHOD)) {
    const methods: string[] = [];
    for (let o: object | null = store; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const key of Object.getOwnPropertyNames(o)) {
        if (typeof (store as Record<string, unknown>)[key] === 'function' && key !== 'constructor') methods.push(key);
      }
    }
    const suggestion = closestName(STORE_METHOD, methods) ?? closestName(RESOLVE_METHOD, methods);
    throw invalidArgType(
      `tokenGuard: options.store has no ${STORE_METHOD}(hash) or ${RESOLVE_METHOD}(token) method` +
        (suggestion === undefined ? '' : ` (it has ${suggestion}(); rename it?)`),
    );
  }
  return store as TokenStore | TokenResolver;
}

function checkMtls(mtls: unknown): MtlsOptions | undefined {
  if (mtls === undefined) return undefined;
  if (typeof mtls !== 'object' || mtls === null) throw invalidArgType('tokenGuard: options.mtls must be an object, e.g. { } or { clientCertificate: (req) => … }');
  for (const name of Object.keys(mtls)) {
    if (name !== 'clientCertificate') throw invalidArgValue(`tokenGuard: unknown option "mtls.${name}" (it takes clientCertificate)`);
  }
  const { clientCertificate } = mtls as MtlsOptions;
  if (clientCertificate !== undefined && typeof clientCertificate !== 'function') {
    throw invalidArgType('tokenGuard: options.mtls.clientCertificate must be a function of the request');
  }
  return clientCertificate === undefined ? {} : { clientCertificate };
}

function checkAudience(audience: unknown): string | undefined {
  if (audience === undefined) return undefined;
  if (typeof audience !== 'string' || audience === '') {
    throw invalidArgType('tokenGuard: options.audience must be a non-empty string (this resource server\'s identifier)');
  }
  return audience;
}

function optionalBoolean(given: Record<string, unknown>, name: keyof TokenGuardOptions, fallback: boolean): boolean {
  const value = given[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArgType(`tokenGuard: options.${name} must be true or false`);
  return value;
}

function optionalFunction(given: Record<string, unknown>, name: keyof TokenGuardOptions): Function | undefined {
  const value = given[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidArgType(`tokenGuard: options.${name} must be a function`);
  return value;
}

function checkTolerance(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw invalidArgType('tokenGuard: options.clockToleranceMs must be a number');
  if (!Number.isFinite(value) || value < 0) {
    throw invalidArgValue('tokenGuard: options.clockToleranceMs must be a finite number of ms, 0 or more');
  }
  return value;
}
