import { invalidArgType, invalidArgValue } from './arg-errors.js';
import { checkHttpsUrl } from './https-url.js';
import { checkScopeList } from './scopes.js';
import { compileDpopOptions, type DpopOptions } from '../binding/dpop-options.js';

/** Options of `protectedResourceMetadata`: what the document says (RFC 9728 §2). */
export interface ProtectedResourceMetadataOptions {
  /** This resource's identifier, exactly as clients and tokens name it: https (`http:` only on loopback), no query or fragment. */
  resource: string;
  /** The issuer identifiers of the authorization servers that issue tokens for it. */
  authorizationServers?: readonly string[] | undefined;
  /** The scopes it understands. */
  scopesSupported?: readonly string[];
  /** A human-readable name. */
  resourceName?: string;
  /** A page for developers. */
  resourceDocumentation?: string;
  /** As on `tokenGuard`: tokens in a form body too. `bearer_methods_supported` then lists `body`. */
  allowFormBody?: boolean;
  /** As on `tokenGuard`: tokens in the query string too. `bearer_methods_supported` then lists `query`. */
  allowQuery?: boolean;
  /** How long clients may cache the document, in seconds (`Cache-Control: max-age`). Default 3600. */
  maxAgeSeconds?: number;
  /** The guard's `mtls` option, as given to `tokenGuard`: the document then says `tls_client_certificate_bound_access_tokens: true`. */
  mtls?: object;
  /**
   * The guard's `dpop` option, as given to `tokenGuard`: the document then lists its algorithms as
   * `dpop_signing_alg_values_supported` and says `dpop_bound_access_tokens_required` as `required` does.
   */
  dpop?: DpopOptions;
}

/** A checked metadata document and where it is served. */
export interface ProtectedResourceMetadata {
  /** The JSON document, with no empty member. */
  readonly document: Readonly<Record<string, unknown>>;
  /** The paths it is served at: the default well-known path, and the path-inserted one for a resource with a path. */
  readonly paths: readonly string[];
  readonly maxAgeSeconds: number;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const NAMES = ['resource', 'authorizationServers', 'scopesSupported', 'resourceName', 'resourceDocumentation', 'allowFormBody', 'allowQuery', 'maxAgeSeconds', 'mtls', 'dpop'];
const NAME = 'protectedResourceMetadata';

/**
 * The URL of the metadata of `resource` (RFC 9728 §3.1): the well-known path inserted between the
 * host and the resource's path, e.g. `https://api.example.com/v1` →
 * `https://api.example.com/.well-known/oauth-protected-resource/v1`. Give it to `tokenGuard` as
 * `resourceMetadataUrl`.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = checkResource('protectedResourceMetadataUrl: resource', resource);
  return `${url.origin}${WELL_KNOWN}${url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')}`;
}

/** Checks the options once and builds the document; a `TypeError` names the option. */
export function buildResourceMetadata(options: unknown): ProtectedResourceMetadata {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgType(`${NAME}: options must be an object, e.g. { resource: 'https://api.example.com', authorizationServers: ['https://as.example.com'] }`);
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!NAMES.includes(name)) throw invalidArgValue(`${NAME}: unknown option "${name}" (it takes ${NAMES.join(', ')})`);
  }
  checkResource(`${NAME}: options.resource`, given['resource']);
  const servers = given['authorizationServers'];
  if (servers !== undefined && (!Array.isArray(servers) || servers.length === 0)) {
    throw invalidArgType(`${NAME}: options.authorizationServers must be a non-empty array of issuer URLs`);
  }
  const authorizationServers = (servers as unknown[] | undefined)?.map((issuer, i) => checkHttpsUrl(`${NAME}: options.authorizationServers[${i}]`, issuer));
  const scopes = given['scopesSupported'] === undefined ? undefined : checkScopeList(`${NAME}: options.scopesSupported`, given['scopesSupported'], { allowEmpty: true });
  const text = (name: string): string | undefined => {
    const value = given[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw invalidArgType(`${NAME}: options.${name} must be a non-empty string`);
    return value;
  };
  const flag = (name: string): boolean => {
    const value = given[name] ?? false;
    if (typeof value !== 'boolean') throw invalidArgType(`${NAME}: options.${name} must be true or false`);
    return value;
  };
  const documentation = text('resourceDocumentation');
  if (documentation !== undefined) checkHttpsUrl(`${NAME}: options.resourceDocumentation`, documentation);
  const maxAgeSeconds = given['maxAgeSeconds'] ?? 3600;
  if (!Number.isSafeInteger(maxAgeSeconds) || (maxAgeSeconds as number) < 0) {
    throw invalidArgType(`${NAME}: options.maxAgeSeconds must be a whole number of seconds, 0 or more`);
  }
  const bearerMethods = ['header', ...(flag('allowFormBody') ? ['body'] : []), ...(flag('allowQuery') ? ['query'] : [])];
  // RFC 9728 §3.2: members with no value are omitted, never null, "" or [].
  const document: Record<string, unknown> = { resource: given['resource'] as string };
  if (authorizationServers !== undefined) document['authorization_servers'] = authorizationServers;
  if (scopes !== undefined && scopes.length > 0) document['scopes_supported'] = scopes;
  document['bearer_methods_supported'] = bearerMethods;
  const name = text('resourceName');
  if (name !== undefined) document['resource_name'] = name;
  if (documentation !== undefined) document['resource_documentation'] = documentation;
  const mtls = given['mtls'];
  if (mtls !== undefined && (typeof mtls !== 'object' || mtls === null)) throw invalidArgType(`${NAME}: options.mtls must be the guard's mtls option object`);
  // Derived from the same object the guard takes, so that the document cannot say otherwise (P-06).
  if (mtls !== undefined) document['tls_client_certificate_bound_access_tokens'] = true;
  if (given['dpop'] !== undefined) {
    const dpop = compileDpopOptions(`${NAME}: options.dpop`, given['dpop'], Date.now);
    document['dpop_signing_alg_values_supported'] = dpop.algorithms;
    document['dpop_bound_access_tokens_required'] = dpop.required;
  }
  const inserted = new URL(protectedResourceMetadataUrl(given['resource'] as string)).pathname;
  return {
    document: Object.freeze(document),
    paths: inserted === WELL_KNOWN ? [WELL_KNOWN] : [WELL_KNOWN, inserted],
    maxAgeSeconds: maxAgeSeconds as number,
  };
}

function checkResource(what: string, resource: unknown): URL {
  const url = new URL(checkHttpsUrl(what, resource));
  if (url.search !== '' || url.hash !== '' || (resource as string).includes('#') || (resource as string).includes('?')) {
    throw invalidArgValue(`${what} must have no query or fragment (RFC 9728 §1.2), not "${resource as string}"`);
  }
  return url;
}
